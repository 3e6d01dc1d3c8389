import CXLedgerCore
import Foundation
import Hummingbird
import Logging

/// The endpoints' behaviour, shared by the read-write and the read-only listener.
///
/// Handlers read the log in short synchronous LMDB transactions and append through group commit;
/// no transaction is ever held across an `await`.
struct LedgerAPI: Sendable {
    let log: EventLog
    let host: ProjectionHost
    let notifier: CommitNotifier
    let metrics: ServerMetrics
    let rebuilds: RebuildTracker
    let configuration: LedgerServerConfiguration
    let logger: Logger

    var bodyReader: RequestBodyReader { RequestBodyReader(maxBytes: configuration.maxBodyBytes) }

    /// The clock for SLA judgements: `--now` when given, else the wall clock.
    var now: Timestamp { configuration.now ?? .now() }

    // MARK: Health and audit

    func health(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let head = try log.head()
        return JSONResponse.make(["status": "ok", "position": .number(Double(head.position))])
    }

    func auditHead(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        JSONResponse.make(try log.head().json)
    }

    func metricsText(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let head = try log.head().position
        let lags = try host.types.map { type in
            (type.name, max(0, head - (try host.status(of: type.name)?.checkpoint ?? 0)))
        }
        metrics.recordGauges(headPosition: head, lags: lags)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.prometheusText())))
    }

    /// Decodes a percent-encoded path parameter.
    func pathParameter(_ name: String, _ context: LedgerRequestContext) throws(APIError) -> String {
        guard let raw = context.parameters.get(name), let value = raw.removingPercentEncoding, !value.isEmpty else {
            throw APIError(.invalidQuery, "the path needs a valid \(name)", field: name)
        }
        return value
    }
}
