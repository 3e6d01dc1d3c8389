/// An error the ledger reports to its caller: a code, a short reason and, where one applies, the field path.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    /// The reason, phrased to follow the field path, e.g. "must be an integer".
    public var message: String
    /// The path of the offending field, e.g. `data.successCriteria[1].id`.
    public var field: String?

    public init(code: ErrorCode, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// Shorthand for the most common error: a posted event that breaks the catalogue's rules.
    public static func invalidEvent(_ field: String?, _ message: String) -> LedgerError {
        LedgerError(code: .invalidEvent, message: message, field: field)
    }

    /// A projection bound for queries only (without its dependencies' tables) was asked to fold an event.
    static func boundForQueries(_ projection: String) -> LedgerError {
        LedgerError(code: .unavailable, message: "\(projection) was opened for queries only and cannot fold events")
    }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }
}
