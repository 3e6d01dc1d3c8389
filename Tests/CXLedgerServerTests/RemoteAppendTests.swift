import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

/// `cxledger append --socket` against a real `cxledger serve`, and `append --data` refused meanwhile.
@Suite struct RemoteAppendTests {
    static let sampleStory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/sample/story.ndjson").path

    /// Runs the built `cxledger` with `arguments`, feeding `input` on standard input.
    private func remoteAppendRun(_ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeProcess.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcess.binary), "needs .build/debug/cxledger"))
    func appendThroughTheSocket() async throws {
        let directory = TempDirectory()
        let data = directory.sub("data")
        let socket = directory.sub("s.sock")
        let server = try ServeProcess(arguments: ["--data", data, "--socket", socket])
        try await server.waitUntilListening()

        let first = try remoteAppendRun(["append", "--socket", socket, "--batch", "25", Self.sampleStory])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("appended 89 events, 0 already present"))
        let again = try remoteAppendRun(["append", "--socket", socket, Self.sampleStory])
        #expect(again.out.contains("appended 0 events, 89 already present"))

        // A refusal by the server is reported with its line number, and nothing of its batch is written.
        let bad = """
        {"type":"customer.profiled","customerId":"zz","occurredAt":"2026-05-01T00:00:00Z","data":{"segment":"vip"}}
        {"type":"case.escalated","customerId":"zz","caseId":"no-such-case","occurredAt":"2026-05-01T00:00:00Z","data":{"level":1,"reason":"r"}}
        """
        let refused = try remoteAppendRun(["append", "--socket", socket], input: bad + "\n")
        #expect(refused.status == 1)
        #expect(refused.err.contains("line 2"), "\(refused.err)")
        #expect(refused.err.contains("lifecycle_violation"), "\(refused.err)")
        let head = try await UnixSocketHTTPClient(socketPath: socket).get("/v1/audit/head").json()
        #expect(head["position"]?.intValue == 89)

        // While the server holds the directory, a direct append is refused and names the socket.
        let direct = try remoteAppendRun(["append", "--data", data, Self.sampleStory])
        #expect(direct.status == 3)
        #expect(direct.err.contains(socket), "\(direct.err)")
        _ = await server.terminate()
    }
}
