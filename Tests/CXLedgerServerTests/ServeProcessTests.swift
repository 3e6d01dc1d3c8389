import CXLedgerCore
import Foundation
import Synchronization
import Testing
@testable import CXLedgerServer

/// `cxledger serve` as a child process, started from the built binary.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before `run()` and afterwards only read; the log lines are
    // behind a Mutex; the continuation list is behind a Mutex.
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/cxledger").path

    let process = Process()
    private let stderr = Pipe()
    private let state = Mutex<(log: String, listening: Bool, waiters: [CheckedContinuation<Void, any Error>])>(("", false, []))

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve"] + arguments
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Drain standard error on a thread of its own, noting when the server is listening.
        let handle = stderr.fileHandleForReading
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                let finished = data.isEmpty
                let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
                    s.log += String(decoding: data, as: UTF8.self)
                    if !s.listening && s.log.contains("listening") { s.listening = true }
                    guard s.listening || finished else { return [] }
                    defer { s.waiters = [] }
                    return s.waiters
                }
                let listening = state.withLock { $0.listening }
                for w in waiters {
                    if listening { w.resume() } else { w.resume(throwing: CancellationError()) }
                }
                if finished { return }
            }
        }
        thread.start()
    }

    var log: String { state.withLock { $0.log } }

    /// Returns once the server logged that it listens; throws if it exited first.
    func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let listening = state.withLock { s -> Bool? in
                if s.listening { return true }
                if !process.isRunning && s.log.contains("stopped") { return false }
                s.waiters.append(c)
                return nil
            }
            switch listening {
            case true?: c.resume()
            case false?: c.resume(throwing: CancellationError())
            case nil: break
            }
        }
    }

    /// SIGTERM, then the exit status.
    func terminate() async -> Int32 {
        process.terminate()
        return await withCheckedContinuation { c in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                c.resume(returning: self.process.terminationStatus)
            }
        }
    }
}

@Suite struct ServeProcessTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcess.binary), "needs .build/debug/cxledger"))
    func sigtermUnderLoadKeepsEveryAnsweredAppend() async throws {
        let directory = TempDirectory()
        let data = directory.sub("data")
        let socket = directory.sub("s.sock")
        let first = try ServeProcess(arguments: ["--data", data, "--socket", socket])
        try await first.waitUntilListening()

        let clients = 16
        let (warmedUp, warmUpSignal) = AsyncStream.makeStream(of: Void.self)
        let answered = try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
            for c in 0..<clients {
                group.addTask {
                    let client = UnixSocketHTTPClient(socketPath: socket)
                    var mine: [(String, Int)] = []
                    var n = 0
                    while true {
                        let id = Events.id(n, salt: c + 1)
                        n += 1
                        guard let answer = try? await client.post("/v1/events", json: Events.profiled("c\(c)-\(n)", id: id)) else {
                            break // the server has gone: this request was not answered
                        }
                        if answer.status == 201, let p = try answer.json()["events"]?.arrayValue?.first?["position"]?.intValue {
                            mine.append((id, p))
                        } else if answer.status != 503 {
                            Issue.record("unexpected answer \(answer.status): \(answer.text)")
                            break
                        }
                        if n == 20 { warmUpSignal.yield() }
                    }
                    return mine
                }
            }
            // SIGTERM once every client is posting.
            var ready = 0
            for await _ in warmedUp {
                ready += 1
                if ready == clients { break }
            }
            let status = await first.terminate()
            #expect(status == 0, "exit status \(status); log:\n\(first.log)")
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(answered.count >= clients * 20)
        #expect(!FileManager.default.fileExists(atPath: socket))

        // Restart: every answered append is there, at the position it was given.
        let second = try ServeProcess(arguments: ["--data", data, "--socket", socket])
        try await second.waitUntilListening()
        let client = UnixSocketHTTPClient(socketPath: socket)
        var stored: [Int: String] = [:]
        var from = 1
        while true {
            let page = try await client.get("/v1/events?from=\(from)&limit=5000").json()
            let events = try #require(page["events"]?.arrayValue)
            if events.isEmpty { break }
            for e in events { stored[e["position"]?.intValue ?? 0] = e["id"]?.stringValue }
            from = try #require(page["next"]?.intValue)
        }
        for (id, position) in answered {
            #expect(stored[position] == id, "answered append \(id) at \(position) is missing")
        }
        #expect(stored.count >= answered.count)
        #expect(stored.keys.sorted() == Array(1...stored.count))
        #expect(await second.terminate() == 0)

        let log = try EventLog(directory: data, options: .init(readOnly: true))
        #expect(try LogVerifier.verify(log).isValid)
    }
}
