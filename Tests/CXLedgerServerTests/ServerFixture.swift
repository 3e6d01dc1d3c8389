import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

// Shared helpers: a real server on a temporary socket with its own data directory, and event builders.

/// A temporary directory, removed when released. Kept short: socket paths must fit in 107 bytes.
final class TempDirectory: Sendable {
    let path: String

    init() {
        path = "/tmp/cxs-" + UUID().uuidString.prefix(8).lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A `LedgerServer` running in this process until `stop()`.
final class RunningServer: Sendable {
    let directory: TempDirectory
    let server: LedgerServer
    private let task: Task<Void, any Error>

    var socket: String { server.configuration.socketPath }
    var readOnlySocket: String? { server.configuration.readOnlySocketPath }

    /// Starts a server on a fresh data directory; `configure` may change limits and sockets.
    static func start(_ configure: (inout LedgerServerConfiguration, TempDirectory) -> Void = { _, _ in }) async throws -> RunningServer {
        let directory = TempDirectory()
        var configuration = LedgerServerConfiguration(dataDirectory: directory.sub("data"))
        configure(&configuration, directory)
        let server = try LedgerServer(configuration: configuration)
        let running = RunningServer(directory: directory, server: server)
        try await server.waitUntilReady()
        return running
    }

    private init(directory: TempDirectory, server: LedgerServer) {
        self.directory = directory
        self.server = server
        task = Task { try await server.run() }
    }

    func client() -> UnixSocketHTTPClient { UnixSocketHTTPClient(socketPath: socket) }

    /// Graceful shutdown; returns when `run` has returned.
    func stop() async throws {
        await server.shutdown()
        try await task.value
    }
}

/// Event envelopes for the tests.
enum Events {
    static func id(_ n: Int, salt: Int = 0) -> String {
        let hex = String(n, radix: 16)
        let s = String(salt, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s + "-0000-4000-8000-"
            + String(repeating: "0", count: 12 - hex.count) + hex
    }

    static func profiled(_ customer: String, id: String? = nil) -> JSONValue {
        var e: [String: JSONValue] = ["type": "customer.profiled", "customerId": .string(customer),
                                      "occurredAt": "2026-04-10T09:00:00Z", "data": ["segment": "vip", "name": "Ada"]]
        if let id { e["id"] = .string(id) }
        return .object(e)
    }

    static func caseEvent(_ type: String, caseId: String, customer: String = "C1", data: JSONValue = [:],
                          expectedVersion: Int? = nil) -> JSONValue {
        var e: [String: JSONValue] = ["type": .string(type), "customerId": .string(customer), "caseId": .string(caseId),
                                      "occurredAt": "2026-04-10T10:00:00Z", "data": data]
        if let expectedVersion { e["expectedVersion"] = .number(Double(expectedVersion)) }
        return .object(e)
    }

    static func opened(_ caseId: String, customer: String = "C1") -> JSONValue {
        caseEvent("case.opened", caseId: caseId, customer: customer,
                  data: ["category": "billing", "channel": "phone", "severity": 2, "summary": "double charge"])
    }

    static func batch(_ events: [JSONValue]) -> JSONValue { ["events": .array(events)] }
}

extension UnixSocketHTTPClient.Response {
    /// The `error` code of an error answer.
    var errorCode: String? { (try? json())?["error"]?.stringValue }
    var errorField: String? { (try? json())?["field"]?.stringValue }
}

/// The log's head position, read over the socket.
func headPosition(_ client: UnixSocketHTTPClient) async throws -> Int {
    let answer = try await client.get("/v1/audit/head")
    #expect(answer.status == 200)
    return try #require(try answer.json()["position"]?.intValue)
}
