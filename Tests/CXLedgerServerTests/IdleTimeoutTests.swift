import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

/// Connections with no request in progress are closed after the idle timeout; requests being answered are not.
@Suite struct IdleTimeoutTests {
    typealias Raw = ProtocolErrorTests

    static func start(idleSeconds: Double) async throws -> RunningServer {
        try await RunningServer.start { configuration, _ in configuration.idleTimeoutSeconds = idleSeconds }
    }

    /// Connects, sends `bytes` (maybe nothing), and reports how long the server took to close the connection
    /// and what it sent first; nil when it was still open when the raw connection's 10 s read timeout ran out.
    static func secondsUntilClosed(_ socket: String, sending bytes: [UInt8]) async throws -> (seconds: Double, answer: String)? {
        try await Raw.onThread {
            let fd = try Raw.connect(socket)
            defer { close(fd) }
            if !bytes.isEmpty { _ = Raw.sendBytes(fd, bytes) }
            let start = Date()
            do {
                let answer = try Raw.readToEnd(fd)
                return (Date().timeIntervalSince(start), String(decoding: answer, as: UTF8.self))
            } catch {
                return nil  // the read timed out: the server kept the connection
            }
        }
    }

    @Test("an idle timeout that is not a positive number of seconds is refused at start, before the data is touched",
          arguments: [0, -5, Double.infinity, Double.nan, 1e18])
    func badTimeoutIsRefused(_ seconds: Double) async throws {
        let directory = TempDirectory()
        var configuration = LedgerServerConfiguration(dataDirectory: directory.sub("data"))
        configuration.idleTimeoutSeconds = seconds
        #expect(throws: LedgerServer.StartupError.self) { try LedgerServer(configuration: configuration) }
        #expect(!FileManager.default.fileExists(atPath: directory.sub("data")))
    }

    @Test func noTimeoutServesAsBefore() async throws {
        let running = try await RunningServer.start { configuration, _ in configuration.idleTimeoutSeconds = nil }
        try await Raw.expectHealthy(running)
        try await running.stop()
    }

    @Test func aConnectionThatNeverSendsIsClosed() async throws {
        let running = try await Self.start(idleSeconds: 1)
        let outcome = try #require(try await Self.secondsUntilClosed(running.socket, sending: []),
                                   "a silent connection was still open after 10 s")
        #expect(outcome.seconds >= 0.5)
        #expect(outcome.answer.isEmpty)
        try await Raw.expectHealthy(running)
        try await running.stop()
    }

    @Test func aRequestThatStopsHalfwayIsClosed() async throws {
        let running = try await Self.start(idleSeconds: 1)
        // A head that never ends, then a body that never comes.
        for partial in ["GET /v1/health HTTP/1.1\r\nHost: x\r\n",
                        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"type\":"] {
            let outcome = try await Self.secondsUntilClosed(running.socket, sending: Raw.raw(partial))
            #expect(outcome != nil, "a stalled request kept its connection for 10 s: \(partial)")
        }
        // Nothing of the stalled append was written.
        #expect(try running.server.log.head().position == 0)
        try await Raw.expectHealthy(running)
        try await running.stop()
    }

    @Test func aLongPollLongerThanTheTimeoutIsAnsweredAndKeptAliveConnectionsReconnect() async throws {
        let running = try await Self.start(idleSeconds: 1)
        let client = running.client()
        defer { client.close() }
        _ = try await client.post("/v1/events", json: Events.profiled("before"))
        // Waiting 2.5 s on a 1 s idle timeout: the request is in progress, so the connection is not idle.
        let page = try await client.get("/v1/events?from=2&wait=2.5")
        #expect(page.status == 200)
        #expect(try page.json() == ["events": [], "next": 2])
        // Idle past the timeout after its answer, the kept-alive connection is closed; the client notices
        // before sending anything of its next request and reconnects.
        try await Task.sleep(for: .seconds(2))
        let posted = try await client.post("/v1/events", json: Events.profiled("after"))
        #expect(posted.status == 201)
        #expect(try running.server.log.head().position == 2)
        try await running.stop()
    }
}
