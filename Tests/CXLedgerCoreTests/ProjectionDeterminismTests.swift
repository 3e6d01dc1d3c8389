import Foundation
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
        // A fresh host finds the projections behind the log and folds them in place from position 1; a rebuild
        // then builds them again through the bulk folds. Both must equal what the live projections hold.
        let rebuilt = try ProjectionHost(log: later.log)
        for type in rebuilt.types { #expect(try rebuilt.status(of: type.name)?.checkpoint == count) }

        let a = try live.projectionTableContents()
        let b = try later.projectionTableContents()
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in a.keys.sorted() {
            #expect(a[key]?.count == b[key]?.count, "\(key) row count")
            #expect(a[key] == b[key], "\(key) contents after catching up in place")
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

        // Rebuilt again through the bulk folds (a new generation), the tables are still the live ones byte for byte.
        let generationsBefore = try rebuilt.types.map { try rebuilt.status(of: $0.name)?.generation }
        try rebuilt.rebuild(rebuilt.types)
        #expect(try rebuilt.types.map { try rebuilt.status(of: $0.name)?.generation } == generationsBefore.map { $0.map { $0 + 1 } })
        let bulk = try later.projectionTableContents()
        for key in a.keys.sorted() { #expect(a[key] == bulk[key], "\(key) contents after the bulk rebuild") }
    }

    @Test("a request that moves cases several times leaves the tables exactly as the same events posted one by one")
    func oneRequestEqualsOneByOne() throws {
        // Open-cases folds a request's events per case in memory and writes each case once.
        // Two cases move through the urgency index many times inside one request: one stored by an earlier
        // request (its old entries must go), one opened inside it after settings the opening reads.
        var n = 10
        func next(_ type: String, _ caseId: String?, _ data: JSONValue? = nil) throws -> ProposedEvent {
            n += 1
            return try fixtureEvent(type, id: fixtureID(n), caseId: caseId, data: data,
                                    occurredAt: "2026-04-10T09:\(n - 10 < 10 ? "0" : "")\(n - 10):00Z")
        }
        let earlier = [try next("case.opened", "case-a")]
        var story = [
            try next("customer.profiled", nil),
            try next("sla.policy_set", nil, ["segment": "vip", "channel": "phone", "firstResponseMinutes": 30, "resolutionHours": 24]),
        ]
        story.append(try next("case.opened", "case-b"))
        for caseId in ["case-a", "case-b"] {
            story.append(try next("interaction.recorded", caseId, ["channel": "phone", "direction": "outbound", "public": false]))
            story.append(try next("case.escalated", caseId))
            story.append(try next("case.recategorized", caseId))
        }
        story.append(try next("case.deescalated", "case-a"))
        story.append(try next("case.closed", "case-a"))
        story.append(try next("case.reopened", "case-a"))
        story.append(try next("case.closed", "case-b"))
        story.append(try next("interaction.recorded", "case-a"))

        let together = try ProjectionFixtureLedger(salt: 7)
        let oneByOne = try ProjectionFixtureLedger(salt: 7)
        try together.log.append(earlier)
        try oneByOne.log.append(earlier)
        try together.log.append(story)
        for event in story { try oneByOne.log.append([event]) }

        let a = try together.projectionTableContents()
        let b = try oneByOne.projectionTableContents()
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in a.keys.sorted() { #expect(a[key] == b[key], "\(key)") }
        let now = "2026-04-11T00:00:00Z"
        let open = try together.list(OpenCasesFilter(limit: 10), now: now).cases
        #expect(open.map { $0["caseId"] } == [.string("case-a")])
        #expect(try together.caseView("case-b", now: now)?["status"] == "closed")
        #expect(try together.caseView("case-a", now: now) == oneByOne.caseView("case-a", now: now))
    }

    @Test("a rebuild whose transactions fill the map grows it and still writes exactly what the live projections hold")
    func rebuildThroughMapGrowth() throws {
        var generator = HistoryGenerator(seed: 7, parameters: .init(customers: 120, openCaseTarget: 100))
        let live = try ProjectionFixtureLedger()
        let path = NSTemporaryDirectory() + "cxledger-map-growth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try EventLog(directory: path + "-written", options: .init(mapSize: 1 << 20))
        defer { try? FileManager.default.removeItem(atPath: path + "-written") }
        for _ in 0..<40 {
            let batch = try generator.nextBatch(150)
            try live.log.append(batch)
            try written.append(batch)
        }
        // A compacted copy has no free pages, and opened with a smaller map than it needs, LMDB maps just what it
        // holds: the projections, which the host builds (blue/green, through the bulk folds) because the registry
        // has never heard of them, find no room at all.
        try written.backup(to: path)
        let log = try EventLog(directory: path, options: .init(mapSize: 1 << 20))
        let before = log.environment.mapSize
        #expect(before < 2 * log.environment.usedSize)
        let rebuilt = try ProjectionHost(log: log)
        #expect(log.environment.mapSize > before, "building the projections should have had to grow the map")
        for type in rebuilt.types { #expect(try rebuilt.status(of: type.name)?.checkpoint == 6_000) }
        let a = try live.projectionTableContents()
        let b = try projectionFixtureTableContents(rebuilt, log)
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in a.keys.sorted() { #expect(a[key] == b[key], "\(key) contents") }
        for type in rebuilt.types { #expect(try rebuilt.check(type) == [], "\(type.name)") }
        log.setObserver(nil)
    }

    @Test("a bulk fold given the same events again (a retried transaction) folds each of them once")
    func bulkFoldsSkipWhatTheyHaveFolded() throws {
        var generator = HistoryGenerator(seed: 11, parameters: .init(customers: 40, openCaseTarget: 30))
        let ledger = try ProjectionFixtureLedger(withHost: false)
        try ledger.log.append(try generator.nextBatch(1_500))
        let events = try ledger.log.events().map { try $0.recorded() }
        let host = try ProjectionHost(log: ledger.log)
        func folded(_ passes: [ArraySlice<RecordedEvent>]) throws -> [[UInt8]] {
            let projections: [any Projection] = [try host.projection(OpenCasesProjection.self),
                                                 try host.projection(CustomerHistoryProjection.self),
                                                 try host.projection(RepeatIncidentsProjection.self),
                                                 try host.projection(AtRiskProjection.self)]
            let share = FoldPartition(0, of: 1, folding: try projections.map { try #require($0 as? BulkFoldable) }, cases: 0)
            for pass in passes { try share.fold(Array(pass)) }
            return FoldPartition.tables(of: [share]).flatMap { parts in parts[0]().entries.map { $0.key + [0xFF] + $0.value } }
        }
        let once = try folded([events[...]])
        let again = try folded([events[..<900], events[400..<1_200], events[...]])
        #expect(once == again)
        #expect(once.count > 500)  // not trivially equal: the tables hold that many entries
    }

    @Test func theGeneratorIsDeterministic() throws {
        var a = HistoryGenerator(seed: 7), b = HistoryGenerator(seed: 7), c = HistoryGenerator(seed: 8)
        let ea = a.envelopes(500), eb = b.envelopes(500), ec = c.envelopes(500)
        #expect(ea == eb)
        #expect(ea != ec)
    }
}
