#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

/// Requests the HTTP layer refuses before any route runs (a method the parser does not know, CONNECT)
/// still get SPEC's JSON error body, and the server keeps answering on new connections.
/// The time limit: a connection the server wrongly leaves open hangs a read rather than failing it.
@Suite(.timeLimit(.minutes(1))) struct ProtocolErrorTests {
    static func raw(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Checks one refusal: its status, a JSON body with the documented code and a message, and a close.
    static func expectRefusal(_ answer: UnixSocketHTTPClient.Response, status: Int, code: String,
                              _ what: String) throws {
        #expect(answer.status == status, "\(what): \(answer.status) \(answer.text)")
        #expect(answer.headers["content-type"] == "application/json", "\(what): \(answer.headers)")
        #expect(answer.headers["connection"]?.lowercased() == "close", "\(what): \(answer.headers)")
        let body = try answer.json()
        #expect(body["error"]?.stringValue == code, "\(what): \(answer.text)")
        #expect(body["message"]?.stringValue?.isEmpty == false, "\(what): \(answer.text)")
        #expect(body["field"] == .null, "\(what): \(answer.text)")
    }

    static func expectHealthy(_ running: RunningServer) async throws {
        let client = running.client()
        let health = try await client.get("/v1/health")
        #expect(health.status == 200, "health afterwards: \(health.status) \(health.text)")
        #expect(try health.json()["position"] == 0)
        client.close()
    }

    @Test func unknownMethodGetsJSONBadRequest() async throws {
        let running = try await RunningServer.start()
        for method in ["FOO", "get", "BREW"] {
            let answer = try await running.client().sendRaw(Self.raw("\(method) /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"))
            try Self.expectRefusal(answer, status: 400, code: "invalid_query", method)
            try await Self.expectHealthy(running)
        }
        // Each refusal the client received is counted once among the responses by status.
        let metrics = try await running.client().get("/metrics").text
        #expect(metrics.contains("cxledger_http_responses_total{status=\"400\"} 3"), "\(metrics)")
        try await running.stop()
    }

    /// A refused client that never closes its end does not keep the connection: after a moment to read the
    /// answer, the server closes it whole, and writing to it then fails.
    @Test func refusedConnectionIsClosedEvenIfTheClientStays() async throws {
        let running = try await RunningServer.start()
        let socket = running.socket
        let outcome = try await Self.onThread {
            let fd = try Self.connect(socket)
            defer { close(fd) }
            _ = Self.sendBytes(fd, Self.raw("FOO /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"))
            guard String(decoding: try Self.readToEnd(fd), as: UTF8.self).contains("invalid_query") else {
                return "no JSON refusal before the end of the answer"
            }
            // Keep writing, as a client that ignores the close would, until the server is gone.
            for _ in 0..<150 {
                if Self.sendBytes(fd, Self.raw("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")) < 0 { return "closed" }
                usleep(100_000)
            }
            return "still open after 15 s"
        }
        #expect(outcome == "closed")
        try await Self.expectHealthy(running)
        try await running.stop()
    }

    @Test func connectGetsJSONNotFound() async throws {
        let running = try await RunningServer.start()
        for target in ["/v1/health", "localhost:443"] {
            let answer = try await running.client().sendRaw(Self.raw("CONNECT \(target) HTTP/1.1\r\nHost: x\r\n\r\n"))
            try Self.expectRefusal(answer, status: 404, code: "not_found", "CONNECT \(target)")
            #expect(try answer.json()["message"]?.stringValue?.contains("CONNECT") == true, "\(answer.text)")
            try await Self.expectHealthy(running)
        }
        try await running.stop()
    }

    @Test func malformedHeadGetsJSONBadRequest() async throws {
        let running = try await RunningServer.start()
        for (what, request) in [("header without a colon", "GET /v1/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
                                ("bad version", "GET /v1/health HTTP/7.3\r\nHost: x\r\n\r\n"),
                                ("space in the target", "GET /v1/he alth HTTP/1.1\r\nHost: x\r\n\r\n")] {
            let answer = try await running.client().sendRaw(Self.raw(request))
            try Self.expectRefusal(answer, status: 400, code: "invalid_query", what)
            try await Self.expectHealthy(running)
        }
        try await running.stop()
    }

    @Test func malformedChunkedBodyIsAnsweredOnceAsTheRequestsOwnError() async throws {
        let running = try await RunningServer.start()
        let head = "Host: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        let badChunks = "5\r\n{\"a\":\r\nzz\r\n1}\r\n0\r\n\r\n"
        // The append reads its body and answers its own JSON error; the GET answers without reading it.
        for (request, status, code) in [("POST /v1/events HTTP/1.1\r\n" + head + badChunks, "400 Bad Request", "invalid_json"),
                                        ("GET /v1/health HTTP/1.1\r\n" + head + badChunks, "200 OK", nil)] {
            let wire = try await Self.exchangeUntilClosed(running.socket, Self.raw(request))
            // Bodies end without a line break, so a status line may follow one directly on the same line.
            let statusLines = wire.matches(of: /HTTP\/1\.1 \d{3} [^\r]*/).map { String($0.output) }
            #expect(statusLines == ["HTTP/1.1 " + status], "exactly one answer: \(wire)")
            if let code { #expect(wire.contains(#""error":""# + code + #"""#), "\(wire)") }
            try await Self.expectHealthy(running)
        }
        try await running.stop()
    }

    @Test func refusalFollowsTheAnswersToEarlierPipelinedRequests() async throws {
        let running = try await RunningServer.start()
        let good = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/audit/head HTTP/1.1\r\nHost: x\r\n\r\n"
        for (bad, status, code) in [("FOO /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", "invalid_query"),
                                    ("CONNECT localhost:443 HTTP/1.1\r\nHost: x\r\n\r\n", "404 Not Found", "not_found")] {
            // Two good requests and a bad one in a single write: both answers come first, in order, then the refusal.
            let wire = try await Self.exchangeUntilClosed(running.socket, Self.raw(good + bad))
            let statusLines = wire.matches(of: /HTTP\/1\.1 \d{3} [^\r]*/).map { String($0.output) }
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 " + status], "\(wire)")
            let refusalBody = wire.split(separator: "\r\n\r\n").last.map(String.init) ?? ""
            #expect(try JSONParser.parse(Array(refusalBody.utf8))["error"]?.stringValue == code, "\(wire)")
            try await Self.expectHealthy(running)
        }
        try await running.stop()
    }

    /// Writes `bytes` on a fresh connection and reads everything until the server closes it.
    static func exchangeUntilClosed(_ socket: String, _ bytes: [UInt8]) async throws -> String {
        try await onThread {
            let fd = try connect(socket)
            defer { close(fd) }
            guard sendBytes(fd, bytes) == bytes.count else { throw UnixSocketHTTPClient.Failure(description: "short write") }
            return String(decoding: try readToEnd(fd), as: UTF8.self)
        }
    }

    /// Runs blocking socket calls on a thread of their own, so they take no thread the server's tasks need.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// A raw connection whose reads give up after 10 s (a connection wrongly left open fails, not hangs).
    static func connect(_ socket: String) throws -> Int32 {
        let fd = try UnixSocket.connect(path: socket)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// `send` without SIGPIPE; the byte count, or -1 once the server has closed the connection.
    static func sendBytes(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        return bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
    }

    /// Everything the server sends until it closes its end.
    static func readToEnd(_ fd: Int32) throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: chunk[..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno != ECONNRESET {
                throw UnixSocketHTTPClient.Failure(description: "recv: errno \(errno) after \(received.count) bytes")
            }
            return received
        }
    }
}
