import CXLedgerCore
import Hummingbird

/// An error answered to the client as `{"error", "message", "field"}` with the status of its code.
public struct APIError: Error, Sendable, HTTPResponseError {
    public var error: LedgerError
    /// Seconds the client should wait before retrying (503 answers).
    public var retryAfter: Int?

    public init(_ error: LedgerError, retryAfter: Int? = nil) {
        self.error = error
        self.retryAfter = retryAfter ?? (error.code == .unavailable ? 1 : nil)
    }

    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.init(LedgerError(code: code, message: message, field: field))
    }

    public static func invalidQuery(_ parameter: String, _ message: String) -> APIError {
        APIError(.invalidQuery, message, field: parameter)
    }

    public var status: HTTPResponse.Status { .init(code: error.code.httpStatus) }

    public var json: JSONValue {
        var body: [String: JSONValue] = ["error": .string(error.code.rawValue), "message": .string(error.message)]
        body["field"] = error.field.map(JSONValue.string) ?? .null
        return .object(body)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(json, status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}
