import ArgumentParser
import CXLedgerCore
import Foundation

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
        emit(try AppendScenario.measure(events: appendEvents, batch: 1_000, projections: true))
        let single = try await IngestScenario.measure(socket: nil, clients: 64, batch: 1, seconds: seconds)
        emit(single)
        let batched = try await IngestScenario.measure(socket: nil, clients: 64, batch: 100, seconds: seconds)
        emit(batched)
        let ledger = try GeneratedLedger.make(events: logEvents, name: "all")
        defer { ledger.remove() }
        emit(try RebuildScenario.measure(ledger))
        for r in try QueryScenario.measure(ledger, queries: 5_000) { emit(r) }
        emit(try VerifyScenario.measure(ledger.log, events: ledger.events))
        guard peers else { return }
        let ours = ["single": single.eventsPerSecond, "batch100": batched.eventsPerSecond]
        for script in ["postgres-bench.sh", "redis-bench.sh"] {
            for line in try PeerRunner.run(peersDirectory + "/" + script, seconds: seconds) {
                guard let workload = line["workload"]?.stringValue, let peerRate = line["eventsPerSecond"]?.doubleValue,
                      let mine = ours[workload], peerRate > 0 else {
                    if json { print(String(decoding: CanonicalJSON.encode(line), as: UTF8.self)) } else { print("peer: \(line)") }
                    continue
                }
                let peer = line["peer"]?.stringValue ?? script
                let comparison: JSONValue = .object([
                    "scenario": "comparison", "workload": .string(workload), "peer": .string(peer),
                    "peerEventsPerSecond": .number(peerRate.rounded()), "peerP99Ms": line["p99Ms"] ?? .null,
                    "cxledgerEventsPerSecond": .number(mine.rounded()),
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
    }
}

/// Runs one peer script and reads its JSON lines.
enum PeerRunner {
    static func run(_ script: String, seconds: Double) throws -> [JSONValue] {
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return [.object(["peer": .string(script), "skipped": "script not found (run from the repository root)"])]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["--seconds", String(Int(seconds))]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }
}
