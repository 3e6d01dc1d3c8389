#if canImport(Glibc)
import Glibc
#endif
import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

@Suite struct LifecycleTests {
    @Test func secondServerOnTheSameDataDirectoryIsRefusedNamingTheSocket() async throws {
        let running = try await RunningServer.start()
        var second = LedgerServerConfiguration(dataDirectory: running.server.configuration.dataDirectory,
                                               socketPath: running.directory.sub("other.sock"))
        second.socketMode = 0o600
        do {
            _ = try LedgerServer(configuration: second)
            Issue.record("a second server took the data directory")
        } catch let held as DataDirectoryLock.Held {
            #expect(held.socketPath == running.socket)
            #expect(held.description.contains(running.socket))
        }
        // A writing command is refused the same way.
        #expect(throws: DataDirectoryLock.Held.self) {
            try DataDirectoryLock.acquire(directory: running.server.configuration.dataDirectory)
        }
        #expect(try await running.client().get("/v1/health").status == 200)
        try await running.stop()
    }

    @Test func secondServerOnTheSameSocketIsRefused() async throws {
        let running = try await RunningServer.start()
        let other = TempDirectory()
        #expect(throws: LedgerServer.StartupError.self) {
            _ = try LedgerServer(configuration: .init(dataDirectory: other.sub("data"), socketPath: running.socket))
        }
        // The refused server left the live one alone.
        #expect(try await running.client().get("/v1/health").status == 200)
        try await running.stop()
    }

    @Test func socketModeStaleFileAndRemovalOnShutdown() async throws {
        let directory = TempDirectory()
        let path = directory.sub("stale.sock")
        // A socket file nobody listens on, as a crashed server leaves it.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!UnixSocket.isLive(path: path))

        let running = try await RunningServer.start { c, _ in
            c.socketPath = path
            c.socketMode = 0o640
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect(try await running.client().get("/v1/health").status == 200)
        try await running.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func defaultSocketModeIs0660() async throws {
        let running = try await RunningServer.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: running.socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        try await running.stop()
    }

    @Test func readOnlySocketServesGetsAndRefusesWrites() async throws {
        let running = try await RunningServer.start { c, d in c.readOnlySocketPath = d.sub("audit.sock") }
        _ = try await running.client().post("/v1/events", json: Events.profiled("C1"))
        let auditor = UnixSocketHTTPClient(socketPath: try #require(running.readOnlySocket))
        #expect(try await auditor.get("/v1/health").status == 200)
        let events = try await auditor.get("/v1/events").json()
        #expect(events["events"]?.arrayValue?.count == 1)
        #expect(try await auditor.get("/v1/cases/open").status == 200)
        let refused = try await auditor.post("/v1/events", json: Events.profiled("C2"))
        #expect(refused.status == 403)
        #expect(refused.errorCode == "read_only")
        let rebuild = try await auditor.send("POST", "/v1/projections/open-cases/rebuild")
        #expect(rebuild.status == 403)
        #expect(try await headPosition(running.client()) == 1)
        try await running.stop()
        #expect(!FileManager.default.fileExists(atPath: try #require(running.readOnlySocket)))
    }

    @Test func gracefulShutdownAnswersInFlightLongPolls() async throws {
        let running = try await RunningServer.start()
        let poll = Task { try await running.client().get("/v1/events?from=1&wait=120") }
        await running.server.waitForLongPolls(1)
        try await running.stop()
        let answer = try await poll.value
        #expect(answer.status == 200)
        #expect(try answer.json() == ["events": [], "next": 1])
    }
}
