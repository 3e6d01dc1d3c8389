import ArgumentParser
import Hummingbird

/// `http-floor-server`: Hummingbird on a Unix socket answering `POST /v1/events` without a ledger, so the
/// ingest scenario can measure what HTTP alone costs on this machine, with the same clients in the same run.
///
/// It reads each request's body whole, as the ledger does, and answers 201 with a body like the ledger's
/// answer to a request of `--events-per-request` events. What `ingest --floor` reports is then the most requests per second any
/// server built on this HTTP stack could acknowledge here; the ledger's figure divided by it is the share of
/// that ceiling the ledger reaches.
struct HTTPFloorServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-floor-server", abstract: "An HTTP server with no ledger behind it (for ingest --floor).",
        shouldDisplay: false)

    @Option(help: "The socket to listen on.") var socket: String
    @Option(help: "Events per request the clients post: each answer lists as many, as the ledger's does.")
    var eventsPerRequest: Int = 1

    func run() async throws {
        // The ledger's answer to a request: one entry per event, with the same members and about the same size.
        let entry = #"{"hash":""# + String(repeating: "0", count: 64)
            + #"","id":"00000000-0000-4000-8000-000000000000","position":1,"stream":"customer-cust-0001","streamVersion":1}"#
        let answer = ByteBuffer(string: #"{"events":["# + Array(repeating: entry, count: max(1, eventsPerRequest)).joined(separator: ",") + "]}")
        let router = Router()
        router.get("/v1/health") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))) }
        router.post("/v1/events") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 24)
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
        }
        let app = Application(router: router, configuration: .init(address: .unixDomainSocket(path: socket), serverName: nil))
        try await app.runService()
    }
}
