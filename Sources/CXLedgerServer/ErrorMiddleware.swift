import CXLedgerCore
import Hummingbird
import LMDB
import Logging

/// Turns every failure into SPEC's JSON error body, counts responses by status and logs each request.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as LedgerError {
            response = try APIError(error).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            response = try APIError(.notFound, "no endpoint \(request.method) \(request.uri.path)")
                .response(from: request, context: context)
        } catch let error as LMDBError where error.isReadersFull || error.isDiskFull || error.isWriteFailure {
            // Exhausted resources are a reason to come back later, not a server fault.
            context.logger.warning("request refused: \(error)", metadata: ["path": "\(request.uri.path)"])
            response = try APIError(LedgerError(code: .unavailable, message: "the ledger is out of resources right now: \(error.message)"),
                                    retryAfter: error.isReadersFull ? 1 : 30)
                .response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            response = JSONResponse.make(["error": "internal", "message": .string("the server failed: \(error)"),
                                          "field": nil], status: .internalServerError)
        }
        metrics.recordResponse(status: response.status.code)
        context.logger.debug("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }
}
