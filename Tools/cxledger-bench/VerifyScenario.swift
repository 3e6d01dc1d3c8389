import ArgumentParser
import CXLedgerCore
import Foundation

/// `verify`: how fast the whole hash chain is re-checked.
struct VerifyScenario: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Re-check the hash chain of a generated log.")

    @Option(help: "Events in the generated log.") var events: Int = 500_000
    @Flag(help: "One JSON object.") var json = false

    func run() throws {
        try Self.measure(events: events).print(json: json)
        try BenchResult.failIfAnyErrors()
    }

    static func measure(events: Int) throws -> BenchResult {
        let dir = try benchDirectory("verify")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, _) = try SyntheticEvents.writeFile(count: events, directory: dir)
        let log = try EventLog(directory: dir + "/data")
        _ = try EventImporter.run(handle: FileHandle(forReadingAtPath: path)!, batchSize: 10_000) { try log.append($0) }
        return try measure(log, events: events)
    }

    /// Verifies `log` three times over.
    static func measure(_ log: EventLog, events: Int) throws -> BenchResult {
        var latencies: [Double] = []
        var checked = 0
        var errors = 0
        let start = monotonicSeconds()
        for _ in 0..<3 {
            let t0 = monotonicSeconds()
            let report = try LogVerifier.verify(log)
            latencies.append((monotonicSeconds() - t0) * 1000)
            checked += report.eventsChecked
            if !report.isValid { errors += 1 }
        }
        return BenchResult(scenario: "verify", events: checked, seconds: monotonicSeconds() - start,
                           latenciesMs: latencies, errors: errors)
    }
}
