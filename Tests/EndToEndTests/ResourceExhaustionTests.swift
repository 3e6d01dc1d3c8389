import CXLedgerCore
import CXLedgerServer
import Foundation
import LMDB
import Synchronization
import Testing

// Resource exhaustion: a full disk under the real server, and more readers than LMDB's reader table holds.

/// Mounting a small tmpfs: possible here (root, no container restriction) or not.
enum TmpfsMount {
    /// Tried once: mount a 1 MiB tmpfs on a scratch directory and unmount it again.
    static let available: Bool = {
        let dir = "/tmp/cxprobe-" + UUID().uuidString.prefix(8).lowercased()
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard mount(dir, megabytes: 1) else {
            print("resource-exhaustion: cannot mount a tmpfs here (needs root and mount permission); the full-disk test is skipped")
            return false
        }
        unmount(dir)
        return true
    }()

    @discardableResult
    static func mount(_ dir: String, megabytes: Int) -> Bool {
        command("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", dir])
    }

    static func unmount(_ dir: String) {
        if !command("/bin/umount", [dir]) { command("/bin/umount", ["-l", dir]) }
    }

    @discardableResult
    private static func command(_ path: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

@Suite("Resource exhaustion", .serialized)
struct ResourceExhaustionTests {
    @Test("a full disk answers 503 unavailable with Retry-After, corrupts nothing, and appends resume once space is freed",
          .enabled(if: Harness.toolsBuilt, "needs .build/debug/cxledger (swift build --build-tests)"),
          .enabled(if: TmpfsMount.available, "cannot mount a size-limited tmpfs here (needs root); skipped"))
    func fullDiskIsUnavailableAndRecovers() async throws {
        let directory = HarnessDirectory("disk")
        let mountPoint = directory.sub("mnt")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(TmpfsMount.mount(mountPoint, megabytes: 8), "mounting an 8 MiB tmpfs failed")
        defer { TmpfsMount.unmount(mountPoint) }

        // Space to give back later, taken before the ledger starts.
        let filler = mountPoint + "/filler"
        try Data(repeating: 0xA5, count: 3 << 20).write(to: URL(fileURLWithPath: filler))
        let data = mountPoint + "/data"
        let socket = directory.sub("s.sock")
        let server = try await ServeChild.start(data: data, socket: socket, logDirectory: directory.path)
        let client = UnixSocketHTTPClient(socketPath: socket)

        func batch(_ n: Int) -> [UInt8] {
            let events: [JSONValue] = (0..<50).map { i in
                ["id": .string(UUID().uuidString.lowercased()), "type": "interaction.recorded",
                 "customerId": .string("disk-\(n % 97)"), "occurredAt": "2026-04-10T10:00:00Z",
                 "data": ["channel": "email", "direction": "inbound", "public": .bool(i % 2 == 0),
                          "summary": .string("message \(n)-\(i): " + String(repeating: "lorem ipsum ", count: 8))]]
            }
            return CanonicalJSON.encode(["events": .array(events)])
        }

        // Fill the disk.
        var acknowledged: [(id: String, position: Int)] = []
        var refused: (body: [UInt8], answer: UnixSocketHTTPClient.Response)?
        for n in 0..<5_000 {
            let body = batch(n)
            let answer = try await client.send("POST", "/v1/events", body: body)
            if answer.status == 201 {
                for e in try answer.json()["events"]?.arrayValue ?? [] {
                    acknowledged.append((e["id"]?.stringValue ?? "", e["position"]?.intValue ?? 0))
                }
                continue
            }
            refused = (body, answer)
            break
        }
        let (refusedBody, answer) = try #require(refused, "the 8 MiB tmpfs never filled up")
        #expect(answer.status == 503, "a full disk answered \(answer.status): \(answer.text)")
        #expect(answer.errorCodeText == "unavailable", "\(answer.text)")
        #expect(answer.headers["retry-after"] != nil, "503 without Retry-After")
        print("resource-exhaustion: the disk filled after \(acknowledged.count) events; the answer was \(answer.status) "
              + "\(answer.text) Retry-After: \(answer.headers["retry-after"] ?? "-")")

        // Still serving while full: reads work, further appends are refused the same way.
        #expect(try await client.get("/v1/health").status == 200)
        // A second append is refused the same way, unless the aborted commit left just enough free
        // pages for it; either way the answer is a documented one and acknowledged means stored.
        let again = try await client.send("POST", "/v1/events", body: batch(99_999))
        #expect(again.status == 503 || again.status == 201, "a second append on a full disk answered \(again.status): \(again.text)")
        if again.status == 201 {
            for e in try again.json()["events"]?.arrayValue ?? [] {
                acknowledged.append((e["id"]?.stringValue ?? "", e["position"]?.intValue ?? 0))
            }
        }
        let head = try await client.get("/v1/audit/head").json()["position"]?.intValue
        #expect(head == acknowledged.count, "head \(head ?? -1) after \(acknowledged.count) acknowledged events")

        // Free the space: the refused batch now goes in, and so do new ones.
        try FileManager.default.removeItem(atPath: filler)
        let retried = try await client.send("POST", "/v1/events", body: refusedBody)
        #expect(retried.status == 201, "after freeing space the refused batch answered \(retried.status): \(retried.text)")
        let next = try await client.send("POST", "/v1/events", body: batch(100_000))
        #expect(next.status == 201, "after freeing space a new batch answered \(next.status): \(next.text)")
        client.close()
        let status = await server.terminate()
        #expect(status == 0, "graceful stop exited \(status):\n\(server.log.suffix(2000))")
        #expect(!server.log.contains("request failed"), "the server logged an internal failure:\n\(server.log.suffix(3000))")

        // Nothing corrupted: the chain verifies and every acknowledged event is where it was acknowledged.
        let verify = try Harness.run("cxledger", ["verify", "--data", data], scratch: directory.path)
        #expect(verify.status == 0, "verify after a full disk failed:\n\(verify.output)")
        let log = try EventLog(directory: data, options: .init(readOnly: true))
        let stored = try log.events(from: 1)
        #expect(stored.count == acknowledged.count + 100)
        for (id, position) in acknowledged {
            let storedId = position >= 1 && position <= stored.count ? try stored[position - 1].envelope()["id"]?.stringValue : nil
            #expect(storedId == id, "acknowledged \(id) at \(position), found \(storedId ?? "nothing")")
        }
        let check = try Harness.run("cxledger-rebuild", ["--data", data, "all", "--check"], scratch: directory.path)
        #expect(check.status == 0, "cxledger-rebuild all --check after a full disk:\n\(check.output)")
    }

    @Test("more concurrent readers than the reader table holds: the extra one gets MDB_READERS_FULL, not a crash")
    func tooManyReadersIsAClearError() throws {
        let directory = HarnessDirectory("readers")
        let env = try Environment(path: directory.path, options: .init(mapSize: 1 << 20, maxReaders: 2))
        let db = try env.openDatabases(["d"])[0]
        try env.write { txn in try txn.put(db, key: Array("k".utf8), value: Array("v".utf8)) }

        // LMDB rounds the reader table up to whole pages, so it may hold more than asked: add readers,
        // each held open on a thread of its own, until one is refused.
        let release = DispatchSemaphore(value: 0)
        let outcomes = Mutex<[Result<Void, LMDBError>]>([])
        let reported = DispatchSemaphore(value: 0)
        var threads = 0
        var refusal: LMDBError?
        while refusal == nil && threads < 4_096 {
            threads += 1
            let thread = Thread {
                do {
                    try env.read { txn in
                        _ = try txn.get(db, key: Array("k".utf8))
                        outcomes.withLock { $0.append(.success(())) }
                        reported.signal()
                        release.wait() // held open
                    }
                } catch let error as LMDBError {
                    outcomes.withLock { $0.append(.failure(error)) }
                    reported.signal()
                } catch {
                    Issue.record("an unexpected error: \(error)")
                    reported.signal()
                }
            }
            thread.stackSize = 256 << 10
            thread.start()
            reported.wait()
            if case .failure(let error)? = outcomes.withLock({ $0.last }) { refusal = error }
        }
        let held = outcomes.withLock { $0.count { if case .success = $0 { true } else { false } } }
        let error = try #require(refusal, "4,096 concurrent readers were all admitted")
        #expect(error.isReadersFull, "the extra reader failed with \(error)")
        #expect(error.description.contains("MDB_READERS_FULL"), "\(error.description)")
        #expect(held >= 2)
        print("resource-exhaustion: with maxReaders 2 LMDB admitted \(held) readers; the next got: \(error)")

        // The held readers finish normally and the table has room again.
        for _ in 0..<held { release.signal() }
        var readBack: [UInt8]?
        for _ in 0..<1_000 {
            do {
                readBack = try env.read { txn in try txn.get(db, key: Array("k".utf8)) }
                break
            } catch let error as LMDBError where error.isReadersFull {
                Thread.sleep(forTimeInterval: 0.01) // the released threads are still leaving
            }
        }
        #expect(readBack == Array("v".utf8))
    }
}

extension UnixSocketHTTPClient.Response {
    /// The `error` code of an error answer.
    var errorCodeText: String? { (try? json())?["error"]?.stringValue }
}
