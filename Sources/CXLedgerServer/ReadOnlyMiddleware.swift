import Hummingbird

/// On the auditors' socket: every GET is served, anything else is 403 `read_only`.
struct ReadOnlyMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            throw APIError(.readOnly, "this socket is read-only; \(request.method) needs the server's read-write socket")
        }
        return try await next(request, context)
    }
}
