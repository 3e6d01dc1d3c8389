import ArgumentParser
import CXLedgerCore
import Foundation

/// `decode`: parsing and validating posted events on one thread, nothing stored: the share of an append that
/// happens before the writer, measured apart from the writer and the disk.
struct DecodeScenario: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode",
                                                    abstract: "Parse and validate NDJSON events on one thread, storing nothing.")

    @Option(help: "Events to decode.") var events: Int = 200_000
    @Option(help: "Passes over the events; the median pass is reported, with every pass's events/s.") var runs: Int = 3
    @Flag(help: "One JSON object.") var json = false

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be at least 1") }
        guard runs > 0 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        try Self.measure(events: events, runs: runs).print(json: json)
        try BenchResult.failIfAnyErrors()
    }

    static func measure(events: Int, runs: Int) throws -> BenchResult {
        let dir = try benchDirectory("decode")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, bytes) = try SyntheticEvents.writeFile(count: events, directory: dir)
        let text = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let lines = text.split(separator: UInt8(ascii: "\n"))
        var passes: [Double] = []
        for _ in 0..<runs {
            // Kept until the pass is timed, so freeing them is not counted (the importer frees on the side too).
            var decoded: [ProposedEvent] = []
            decoded.reserveCapacity(lines.count)
            let start = monotonicSeconds()
            for line in lines { decoded.append(try EventImporter.decode(line)) }
            passes.append(monotonicSeconds() - start)
            guard decoded.count == events else { throw ValidationError("decoded \(decoded.count) of \(events) events") }
        }
        let median = passes.sorted()[passes.count / 2]
        var result = BenchResult(scenario: "decode", events: events, seconds: median, latenciesMs: [])
        result.extra = ["runs": .number(Double(runs)),
                        "runsEventsPerSecond": .array(passes.map { .number((Double(events) / $0).rounded()) }),
                        "averageEventBytes": .number(Double(bytes / events))]
        return result
    }
}
