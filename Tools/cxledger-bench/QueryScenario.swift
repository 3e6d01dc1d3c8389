import ArgumentParser
import CXLedgerCore
import Foundation

/// `query`: in-process latency of the open-cases, customer-history and related queries.
struct QueryScenario: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query",
                                                    abstract: "p50/p99 of the three main queries over a generated log.")

    @Option(help: "Events in the generated log.") var events: Int = 1_000_000
    @Option(help: "Queries of each kind.") var queries: Int = 5_000
    @Flag(help: "One JSON object per query kind.") var json = false

    func run() throws {
        let ledger = try GeneratedLedger.make(events: events, name: "query")
        defer { ledger.remove() }
        for result in try Self.measure(ledger, queries: queries) { result.print(json: json) }
        try BenchResult.failIfAnyErrors()
    }

    static func measure(_ ledger: GeneratedLedger, queries: Int) throws -> [BenchResult] {
        let log = ledger.log
        let openCases = try ledger.host.projection(OpenCasesProjection.self)
        let history = try ledger.host.projection(CustomerHistoryProjection.self)
        let related = try ledger.host.projection(RepeatIncidentsProjection.self)
        let now = Timestamp.parseDateTime("2026-06-01T00:00:00Z")!
        var rng = SystemRandomNumberGenerator()

        func time(_ name: String, _ body: () throws -> Void) rethrows -> BenchResult {
            var latencies: [Double] = []
            latencies.reserveCapacity(queries)
            let start = monotonicSeconds()
            for _ in 0..<queries {
                let t0 = monotonicSeconds()
                try body()
                latencies.append((monotonicSeconds() - t0) * 1000)
            }
            var r = BenchResult(scenario: "query", events: queries, seconds: monotonicSeconds() - start, latenciesMs: latencies)
            r.extra = ["query": .string(name), "logEvents": .number(Double(ledger.events))]
            return r
        }

        var cursor: String?
        let open = try time("open-cases") {
            let page = try log.read { txn in
                try openCases.list(filter: OpenCasesFilter(limit: 50, cursor: cursor), now: now, in: txn)
            }
            cursor = page.nextCursor
        }
        let customers = ledger.customers
        let hist = try time("customer-history") {
            let id = HistoryGenerator.customerId(Int.random(in: 0..<customers, using: &rng))
            _ = try log.read { txn in try history.history(id, limit: 50, from: log, in: txn) }
        }
        let cases = max(ledger.cases, 1)
        let rel = try time("related") {
            let id = HistoryGenerator.caseId(Int.random(in: 0..<cases, using: &rng))
            _ = try log.read { txn in try related.related(id, in: txn) }
        }
        return [open, hist, rel]
    }
}
