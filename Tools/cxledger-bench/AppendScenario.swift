import ArgumentParser
import CXLedgerCore
import Foundation

/// `append`: N events in batches of B straight into the log (no socket), one fsync per batch.
struct AppendScenario: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append",
                                                    abstract: "Direct batched appends from an NDJSON file.")

    @Option(help: "Events to append.") var events: Int = 200_000
    @Option(help: "Events per atomic batch (one commit and fsync each).") var batch: Int = 1_000
    @Flag(help: "Leave the live projections out, to measure the log alone.") var noProjections = false
    @Flag(help: "Random version-4 event ids instead of time-ordered ones.") var randomIds = false
    @Flag(help: "One JSON object.") var json = false

    func run() throws {
        let result = try Self.measure(events: events, batch: batch, projections: !noProjections, randomIds: randomIds)
        result.print(json: json)
        try BenchResult.failIfAnyErrors()
    }

    static func measure(events: Int, batch: Int, projections: Bool, randomIds: Bool = false) throws -> BenchResult {
        let dir = try benchDirectory("append")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, bytes) = try SyntheticEvents.writeFile(count: events, directory: dir, randomIds: randomIds)
        let log = try EventLog(directory: dir + "/data")
        let host = projections ? try ProjectionHost(log: log) : nil
        var latencies: [Double] = []
        let handle = FileHandle(forReadingAtPath: path)!
        let start = monotonicSeconds()
        // The host is what keeps the live projections moving with each batch (the log holds it weakly).
        let outcome = try withExtendedLifetime(host) {
            try EventImporter.run(handle: handle, batchSize: batch) { events in
                let t0 = monotonicSeconds()
                let answer = try log.append(events)
                latencies.append((monotonicSeconds() - t0) * 1000)
                return answer
            }
        }
        let seconds = monotonicSeconds() - start
        var result = BenchResult(scenario: "append", events: outcome.appended, seconds: seconds, latenciesMs: latencies)
        result.errors = outcome.failure == nil ? 0 : 1
        result.extra = ["batch": .number(Double(batch)), "commits": .number(Double(latencies.count)),
                        "averageEventBytes": .number(Double(bytes / max(events, 1))),
                        "projections": .bool(projections), "randomIds": .bool(randomIds)]
        return result
    }
}
