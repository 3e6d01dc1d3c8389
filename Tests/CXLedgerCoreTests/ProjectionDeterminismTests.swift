import Testing
@testable import CXLedgerCore

@Suite("Projection determinism")
struct ProjectionDeterminismTests {
    @Test func liveAndRebuiltFromTheLogAreIdentical() throws {
        let count = 12_000
        var generator = HistoryGenerator(seed: 20_260_422, parameters: .init(customers: 300, openCaseTarget: 250))
        var batches: [[ProposedEvent]] = []
        var remaining = count
        while remaining > 0 {
            let n = min(remaining, 1 + batches.count % 700)
            batches.append(try generator.nextBatch(n))
            remaining -= n
        }
        let live = try ProjectionFixtureLedger()
        let later = try ProjectionFixtureLedger(withHost: false)
        for batch in batches {
            try live.log.append(batch)
            try later.log.append(batch)
        }
        #expect(try live.log.head().position == count)
        // A fresh host finds the projections behind the log and folds them from position 1.
        let rebuilt = try ProjectionHost(log: later.log)
        for type in rebuilt.types { #expect(try rebuilt.status(of: type.name)?.checkpoint == count) }

        let a = try live.projectionTableContents()
        let b = try later.projectionTableContents()
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in a.keys.sorted() {
            #expect(a[key]?.count == b[key]?.count, "\(key) row count")
            #expect(a[key] == b[key], "\(key) contents")
        }
        // The queries agree too, and the generated history exercises every rule.
        let now = "2026-06-01T00:00:00Z"
        let openLive = try live.list(OpenCasesFilter(limit: 1000), now: now)
        #expect(openLive.cases.count > 50)
        #expect(openLive.cases.contains { $0["firstResponseBreached"] == true })
        #expect(try later.list(OpenCasesFilter(limit: 1000), now: now).cases == openLive.cases)
        var linked = 0
        for i in 0..<generator.casesOpened {
            let id = HistoryGenerator.caseId(i)
            let related = try #require(try live.related(id))
            if related["links"] != [] { linked += 1 }
            #expect(try later.related(id) == related)
            #expect(try later.caseView(id, now: now) == live.caseView(id, now: now))
        }
        #expect(linked > 10)
        for c in 0..<300 {
            let id = HistoryGenerator.customerId(c)
            #expect(try later.history(id, limit: 20) == live.history(id, limit: 20))
        }
        #expect(try later.atRisk(limit: 100) == live.atRisk(limit: 100))
        #expect(try live.atRisk(limit: 5)["customers"]?.arrayValue?.count == 5)
    }

    @Test func theGeneratorIsDeterministic() throws {
        var a = HistoryGenerator(seed: 7), b = HistoryGenerator(seed: 7), c = HistoryGenerator(seed: 8)
        let ea = a.envelopes(500), eb = b.envelopes(500), ec = c.envelopes(500)
        #expect(ea == eb)
        #expect(ea != ec)
    }
}
