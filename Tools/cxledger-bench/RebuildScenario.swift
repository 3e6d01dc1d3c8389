import ArgumentParser
import CXLedgerCore
import Foundation

/// `rebuild`: every projection rebuilt blue/green in one pass over a generated log.
struct RebuildScenario: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild",
                                                    abstract: "Rebuild all projections over a generated log.")

    @Option(help: "Events in the generated log.") var events: Int = 1_000_000
    @Option(help: "Keep the generated ledger in this directory, or rebuild the ledger already there.") var data: String?
    @Flag(help: "One JSON object.") var json = false

    func run() throws {
        let ledger = try GeneratedLedger.make(events: events, name: "rebuild", keep: data)
        defer { ledger.remove() }
        try Self.measure(ledger).print(json: json)
    }

    static func measure(_ ledger: GeneratedLedger) throws -> BenchResult {
        let chunkTimes = ChunkTimes()
        let start = monotonicSeconds()
        try ledger.host.rebuild(ProjectionCatalog.all) { _ in chunkTimes.mark() }
        let seconds = monotonicSeconds() - start
        var result = BenchResult(scenario: "rebuild", events: ledger.events, seconds: seconds, latenciesMs: chunkTimes.intervals)
        result.extra = ["projections": .number(Double(ProjectionCatalog.all.count)),
                        "chunkEvents": .number(10_000),
                        "generatedAppendEventsPerSecond": ledger.appendSeconds.isNaN ? .null : .number((Double(ledger.events) / ledger.appendSeconds).rounded())]
        return result
    }
}

/// Time between progress callbacks (one per bounded rebuild transaction).
final class ChunkTimes: @unchecked Sendable {
    // Only touched from the thread running the rebuild, which calls `mark` synchronously.
    private var last = monotonicSeconds()
    private(set) var intervals: [Double] = []

    func mark() {
        let now = monotonicSeconds()
        intervals.append((now - last) * 1000)
        last = now
    }
}
