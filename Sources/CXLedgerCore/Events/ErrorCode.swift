/// The machine-readable error codes of the wire contract, each with its HTTP status.
public enum ErrorCode: String, Sendable, CaseIterable {
    case invalidJSON = "invalid_json"
    case invalidEvent = "invalid_event"
    case unknownType = "unknown_type"
    case invalidQuery = "invalid_query"
    case readOnly = "read_only"
    case notFound = "not_found"
    case versionConflict = "version_conflict"
    case idConflict = "id_conflict"
    case lifecycleViolation = "lifecycle_violation"
    case tooLarge = "too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case unavailable = "unavailable"

    public var httpStatus: Int {
        switch self {
        case .invalidJSON, .invalidEvent, .unknownType, .invalidQuery: return 400
        case .readOnly: return 403
        case .notFound: return 404
        case .versionConflict, .idConflict, .lifecycleViolation: return 409
        case .tooLarge: return 413
        case .unsupportedMediaType: return 415
        case .unavailable: return 503
        }
    }
}
