import ArgumentParser
import CXLedgerCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `all`: every scenario in one run, optionally beside the peers (PostgreSQL, Redis) as ratios.
struct AllScenarios: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every scenario (and the peers) in one run.")

    @Option(help: "Events in the generated log for rebuild, query and verify.") var logEvents: Int = 1_000_000
    @Option(help: "Events for the direct append scenario.") var appendEvents: Int = 300_000
    @Option(help: "Seconds per ingest workload (and per peer workload).") var seconds: Double = 10
    @Flag(help: "Also run Tools/peers/*.sh and print ratios against them.") var peers = false
    @Option(help: "Where the peer scripts are.") var peersDirectory: String = "Tools/peers"
    @Flag(help: "One JSON object per scenario.") var json = false

    func run() async throws {
        var results: [BenchResult] = []
        func emit(_ r: BenchResult) {
            r.print(json: json)
            results.append(r)
        }
        // Time-ordered event ids first (as UUIDv7 senders post), then random version-4 ids, which put every event
        // in another leaf of the ledger's id index. PostgreSQL's peer script draws random UUIDs, so it is compared
        // with the second; Redis stream entries get time-ordered ids, so it is compared with the first.
        emit(try AppendScenario.measure(events: appendEvents, batch: 1_000, projections: true))
        emit(try AppendScenario.measure(events: appendEvents, batch: 1_000, projections: true, randomIds: true))
        let single = try await IngestScenario.measure(socket: nil, clients: 64, batch: 1, seconds: seconds)
        emit(single)
        let batched = try await IngestScenario.measure(socket: nil, clients: 64, batch: 100, seconds: seconds)
        emit(batched)
        let singleRandom = try await IngestScenario.measure(socket: nil, clients: 64, batch: 1, seconds: seconds, randomIds: true)
        emit(singleRandom)
        let batchedRandom = try await IngestScenario.measure(socket: nil, clients: 64, batch: 100, seconds: seconds,
                                                             randomIds: true)
        emit(batchedRandom)
        // The same clients against HTTP with no ledger behind it: the ceiling of this machine's HTTP stack, and
        // the share of it the ledger reaches.
        for (ours, batch) in [(single, 1), (batched, 100)] {
            var floor = try await IngestScenario.measure(socket: nil, clients: 64, batch: batch, seconds: seconds, floor: true)
            if floor.eventsPerSecond > 0 {
                floor.extra["ledgerShareOfFloor"] = .number((ours.eventsPerSecond / floor.eventsPerSecond * 100).rounded() / 100)
            }
            emit(floor)
        }
        let ledger = try GeneratedLedger.make(events: logEvents, name: "all")
        defer { ledger.remove() }
        emit(try RebuildScenario.measure(ledger))
        for r in try QueryScenario.measure(ledger, queries: 5_000) { emit(r) }
        emit(try VerifyScenario.measure(ledger.log, events: ledger.events))
        guard peers else { return try BenchResult.failIfAnyErrors() }
        let timeOrdered = ["single": single.eventsPerSecond, "batch100": batched.eventsPerSecond]
        let random = ["single": singleRandom.eventsPerSecond, "batch100": batchedRandom.eventsPerSecond]
        for script in ["postgres-bench.sh", "redis-bench.sh"] {
            for line in try PeerRunner.run(peersDirectory + "/" + script, seconds: seconds) {
                let peer = line["peer"]?.stringValue ?? script
                let randomIds = peer == "postgresql"
                guard let workload = line["workload"]?.stringValue, let peerRate = line["eventsPerSecond"]?.doubleValue,
                      let mine = (randomIds ? random : timeOrdered)[workload], peerRate > 0 else {
                    if json { print(String(decoding: CanonicalJSON.encode(line), as: UTF8.self)) } else { print("peer: \(line)") }
                    continue
                }
                let comparison: JSONValue = .object([
                    "scenario": "comparison", "workload": .string(workload), "peer": .string(peer),
                    "peerEventsPerSecond": .number(peerRate.rounded()), "peerP99Ms": line["p99Ms"] ?? .null,
                    "cxledgerEventsPerSecond": .number(mine.rounded()), "randomIds": .bool(randomIds),
                    "ratio": .number((mine / peerRate * 100).rounded() / 100),
                    "cores": .number(Double(ProcessInfo.processInfo.activeProcessorCount)),
                    "configuration": .string(BenchResult.configuration),
                ])
                if json {
                    print(String(decoding: CanonicalJSON.encode(comparison), as: UTF8.self))
                } else {
                    print(String(format: "vs %-10@ %-8@ peer %9.0f events/s  cxledger %9.0f events/s  ratio %.2f×",
                                 peer as NSString, workload as NSString, peerRate, mine, mine / peerRate))
                }
            }
        }
        try BenchResult.failIfAnyErrors()
    }
}

/// Runs one peer script and reads its JSON lines.
enum PeerRunner {
    static func run(_ script: String, seconds: Double) throws -> [JSONValue] {
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return [.object(["peer": .string(script), "skipped": "script not found (run from the repository root)"])]
        }
        let output = try spawnReadingStdout([script, "--seconds", String(Int(seconds))])
        return String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// Runs `arguments` with an empty signal mask and default handlers, returning its standard output.
    ///
    /// Foundation's `Process` hands the child the signal mask of the calling thread; on a concurrency pool
    /// thread that blocks SIGALRM, and pgbench's `-T` timer, which is a SIGALRM, then never fires.
    static func spawnReadingStdout(_ arguments: [String]) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ValidationError("pipe failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw ValidationError("could not start \(arguments[0]): errno \(rc)")
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n > 0 { output += chunk[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return output
    }
}
