import Foundation
import Synchronization
import Testing
@testable import CXLedgerCore
@testable import LMDB

// Proofs for projections that read another's tables (customer-history and at-risk read repeat-incidents'
// `holds`): the host's order, rebuilding dependents with their dependency (on request, at open, and one rebuild at
// a time), queries without the dependency, and the feed itself. Helpers are prefixed `dependencyFixture`.

/// Appends a story in which customer `customer` gets repeat links suggested, confirmed and withdrawn, with
/// `tag` keeping its case ids apart from other stories'. Returns the customer's expected repeat incidents.
@discardableResult
func dependencyFixtureStory(_ l: ProjectionFixtureLedger, customer: String, tag: String) throws -> Int {
    try l.append("case.opened", customer: customer, caseId: "\(tag)-a", at: "2026-01-01T10:00:00Z", projectionFixtureOpening())
    try l.append("case.closed", customer: customer, caseId: "\(tag)-a", at: "2026-01-02T10:00:00Z", ["reason": "resolved"])
    // Suggested: a closed a day before, same category.
    try l.append("case.opened", customer: customer, caseId: "\(tag)-b", at: "2026-01-03T10:00:00Z", projectionFixtureOpening())
    // Suggested (b is open), then rejected: its hold is withdrawn.
    try l.append("case.opened", customer: customer, caseId: "\(tag)-c", at: "2026-01-04T10:00:00Z", projectionFixtureOpening())
    try l.append("case.linked", customer: customer, caseId: "\(tag)-c", at: "2026-01-05T10:00:00Z",
                 ["relatedCaseId": .string("\(tag)-b"), "relation": "not_related"])
    // Confirmed by a person: still held.
    try l.append("case.linked", customer: customer, caseId: "\(tag)-b", at: "2026-01-05T11:00:00Z",
                 ["relatedCaseId": .string("\(tag)-a"), "relation": "separate_similar"])
    // Linked by hand, with no suggestion: held.
    try l.append("case.opened", customer: customer, caseId: "\(tag)-d", at: "2026-01-06T10:00:00Z", projectionFixtureOpening("outage"))
    try l.append("case.linked", customer: customer, caseId: "\(tag)-d", at: "2026-01-06T11:00:00Z",
                 ["relatedCaseId": .string("\(tag)-a"), "relation": "same_root_cause"])
    return 2
}

/// The posted events of a fixture ledger, to append again elsewhere (the stored envelope without what the log added).
func dependencyFixturePosted(_ l: ProjectionFixtureLedger) throws -> [ProposedEvent] {
    try l.log.events().map { stored in
        guard case .object(var members) = try stored.envelope() else { throw LedgerError(code: .invalidEvent, message: "not an object") }
        for added in StoredEvent.ledgerMembers { members[added] = nil }
        return try EventValidator.validate(.object(members))
    }
}

/// customer-history's and at-risk's count of `customer`'s repeat incidents.
func dependencyFixtureCounts(_ l: ProjectionFixtureLedger, _ customer: String) throws -> (history: JSONValue?, atRisk: JSONValue?) {
    let history = try l.history(customer)?["counters"]?["repeatIncidents"]
    let risk = try l.log.read { txn in try l.host.projection(AtRiskProjection.self).entry(customer, in: txn) }
    let reason = risk?["reasons"]?.arrayValue?.first { $0["signal"] == "repeat_incidents" }
    return (history, reason?["count"])
}

/// A projection no host here is given.
struct DependencyFixtureUnknownProjection: Projection {
    static let name = "unknown-to-the-host"
    static let version = 1
    static let tableNames: [String] = []
    init(tables: ProjectionTables) {}
    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {}
}

@Suite("Projections reading another projection's tables")
struct ProjectionDependencyTests {
    @Test("the host applies each projection after its dependencies, and adds a dependency not named")
    func dependencyOrder() throws {
        let ordered = ProjectionHost.inDependencyOrder([AtRiskProjection.self, OpenCasesProjection.self,
                                                        CustomerHistoryProjection.self])
        #expect(ordered.map { $0.name } == ["repeat-incidents", "at-risk", "open-cases", "customer-history"])
        #expect(ProjectionHost.inDependencyOrder(ProjectionCatalog.all).map { $0.name }
            == ["open-cases", "repeat-incidents", "customer-history", "at-risk"])

        // A host given at-risk alone keeps repeat-incidents too, and answers from it.
        let dir = FixtureDirectory("dependency-alone")
        let log = try EventLog(directory: dir.sub("data"))
        defer { log.setObserver(nil) }
        let host = try ProjectionHost(log: log, projections: [AtRiskProjection.self])
        #expect(host.types.map { $0.name } == ["repeat-incidents", "at-risk"])
        let l = try ProjectionFixtureLedger()
        try dependencyFixtureStory(l, customer: "x", tag: "s")
        try log.append(try dependencyFixturePosted(l))
        let entry = try log.read { txn in try host.projection(AtRiskProjection.self).entry("x", in: txn) }
        #expect(entry?["reasons"]?.arrayValue?.first { $0["signal"] == "repeat_incidents" }?["count"] == 2)
    }

    @Test("repeat-incidents records each change of a held link by position, and the counts follow it")
    func holdsFeed() throws {
        let l = try ProjectionFixtureLedger()
        let expected = try dependencyFixtureStory(l, customer: "x", tag: "s")
        let counts = try dependencyFixtureCounts(l, "x")
        #expect(counts.history == .number(Double(expected)) && counts.atRisk == .number(Double(expected)))
        let repeats = try l.host.projection(RepeatIncidentsProjection.self)
        let changes = try l.log.read { txn -> [Int: RepeatLinker.HoldChange] in
            var out: [Int: RepeatLinker.HoldChange] = [:]
            for event in try l.log.events(from: 1, to: nil, limit: .max, filter: .init(), in: txn) {
                if let c = try repeats.holds.change(at: event.position, of: try event.recorded().type, in: txn) { out[event.position] = c }
            }
            return out
        }
        // b and c suggested at their openings (3, 4), c's rejected (5), d linked by hand (8); b's confirmation
        // (6) changes nothing it held.
        #expect(changes.keys.sorted() == [3, 4, 5, 8])
        #expect(changes[3] == RepeatLinker.HoldChange(caseId: "s-b", customerId: "x", holds: true))
        #expect(changes[4] == RepeatLinker.HoldChange(caseId: "s-c", customerId: "x", holds: true))
        #expect(changes[5] == RepeatLinker.HoldChange(caseId: "s-c", customerId: "x", holds: false))
        #expect(changes[8] == RepeatLinker.HoldChange(caseId: "s-d", customerId: "x", holds: true))

        // A damaged entry is reported, naming where, rather than read.
        try l.log.environment.write { txn in try txn.put(repeats.holds.db, key: BigEndianKey(3), value: [1, 0xFF]) }
        let error = #expect(throws: LedgerError.self) {
            try l.log.read { txn in try repeats.holds.change(at: 3, of: .caseOpened, in: txn) }
        }
        #expect(error?.code == .invalidEvent && error?.message.contains("position 3") == true)
        // Types that cannot change a hold are not looked up.
        #expect(try l.log.read { txn in try repeats.holds.change(at: 3, of: .interactionRecorded, in: txn) } == nil)
    }

    @Test("rebuilding repeat-incidents rebuilds customer-history and at-risk with it, and appends then reach all three")
    func dependentsRebuiltWithTheirDependency() throws {
        let rebuilt = try ProjectionFixtureLedger(salt: 3)
        let reference = try ProjectionFixtureLedger(salt: 3)
        for l in [rebuilt, reference] { try dependencyFixtureStory(l, customer: "x", tag: "one") }
        let before = try rebuilt.host.types.map { try #require(try rebuilt.host.status(of: $0.name)) }
        try rebuilt.host.rebuild(RepeatIncidentsProjection.self)
        for old in before {
            let expected = old.name == OpenCasesProjection.name ? old.generation : old.generation + 1
            #expect(try rebuilt.host.status(of: old.name)?.generation == expected, "\(old.name)")
        }
        for l in [rebuilt, reference] { try dependencyFixtureStory(l, customer: "x", tag: "two") }
        // The second story's cases also repeat the first's; whatever the count, both ledgers agree on it.
        let counts = try dependencyFixtureCounts(rebuilt, "x"), expected = try dependencyFixtureCounts(reference, "x")
        #expect(counts.history == expected.history && counts.atRisk == expected.atRisk)
        #expect((counts.history?.intValue ?? 0) > 2 && counts.atRisk == counts.history)
        #expect(try rebuilt.projectionTableContents() == reference.projectionTableContents())
        #expect(try rebuildFixtureCheckAll(rebuilt.host) == [:])
        // A projection this host does not maintain is refused, not skipped.
        #expect(throws: LedgerError.self) { try rebuilt.host.rebuild(DependencyFixtureUnknownProjection.self) }
    }

    @Test("rebuilds and checks asked for at once take turns, and leave every projection as a fresh rebuild would")
    func rebuildsTakeTurns() throws {
        let l = try ProjectionFixtureLedger(salt: 9)
        try rebuildFixtureAppendHistory(l.log, events: 2_000, seed: 5)
        let host = l.host
        let failures = FixtureLocked<[String]>([])
        let group = DispatchGroup()
        for type in [RepeatIncidentsProjection.self, CustomerHistoryProjection.self, AtRiskProjection.self] as [any Projection.Type] {
            for check in [false, true] {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        if check {
                            let found = try host.check(type, chunk: 300)
                            if !found.isEmpty { failures.withLock { $0.append("\(type.name): \(found)") } }
                        } else {
                            try host.rebuild(type, chunk: 300)
                        }
                    } catch {
                        failures.withLock { $0.append("\(type.name): \(error)") }
                    }
                }
            }
        }
        try l.log.append([rebuildFixtureOutsider("cust-while-rebuilding", 1)])
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.withLock { $0 } == [])
        #expect(try rebuildFixtureCheckAll(host) == [:])
        let names = try rebuildFixtureDatabaseNames(l.log)
        for type in host.types {
            let live = try #require(try host.status(of: type.name)).generation
            // Only the live generation is left.
            for g in 0..<live { #expect(rebuildFixtureGenerationNames(type, g).isDisjoint(with: names), "\(type.name) \(g)") }
        }
    }

    @Test("a stale dependency at open is rebuilt with its dependents, lagging ones included")
    func staleDependencyRebuildsDependents() throws {
        let dir = FixtureDirectory("dependency-lag")
        let path = dir.sub("data")
        let reference = try ProjectionFixtureLedger(salt: 5)
        try dependencyFixtureStory(reference, customer: "x", tag: "one")
        try dependencyFixtureStory(reference, customer: "x", tag: "two")
        let events = try dependencyFixturePosted(reference)
        let half = events.count / 2
        let before = try rebuildFixtureSession(path) { (log, host) throws -> [String: Int] in
            try log.append(Array(events[..<half]))
            // Appended without the projections: every one of them lags, with repeat links in what it lacks.
            log.setObserver(nil)
            try log.append(Array(events[half...]))
            // An older build's repeat-incidents: another version, so the next open rebuilds it.
            var older = try #require(try host.status(of: RepeatIncidentsProjection.name))
            older.version -= 1
            let stale = older
            try log.environment.write { txn in try host.writeStatus(stale, in: txn) }
            return try Dictionary(uniqueKeysWithValues: host.types.map { ($0.name, try #require(try host.status(of: $0.name)).generation) })
        }
        try rebuildFixtureSession(path) { (log, host) throws in
            #expect(try host.staleProjections() == [])
            for type in host.types {
                let status = try #require(try host.status(of: type.name))
                #expect(status.checkpoint == events.count, "\(type.name)")
                // open-cases caught up in place; the others were rebuilt.
                #expect(status.generation == before[type.name]! + (type.name == OpenCasesProjection.name ? 0 : 1), "\(type.name)")
            }
            #expect(try projectionFixtureTableContents(host, log) == reference.projectionTableContents())
            #expect(try rebuildFixtureCheckAll(host) == [:])
        }
    }

    @Test("a generation dropped with an older version's tables drops those too")
    func olderTablesDropped() throws {
        let dir = FixtureDirectory("dependency-drop")
        let path = dir.sub("data")
        let leftover = try rebuildFixtureSession(path) { (log, host) throws -> String in
            try rebuildFixtureAppendHistory(log, events: 400, seed: 3)
            var older = try #require(try host.status(of: CustomerHistoryProjection.name))
            // What version 5 kept beside its tables: its own copy of the repeat rule's.
            let name = ProjectionHost.tableName(CustomerHistoryProjection.name, generation: older.generation, table: "links-cases")
            older.version -= 1
            let status = older
            try log.environment.write { txn in
                try txn.put(try txn.openDatabase(name), key: "case", value: [1, 2, 3])
                try host.writeStatus(status, in: txn)
            }
            #expect(try rebuildFixtureDatabaseNames(log).contains(name))
            return name
        }
        try rebuildFixtureSession(path) { (log, host) throws in
            #expect(try host.status(of: CustomerHistoryProjection.name)?.version == CustomerHistoryProjection.version)
            #expect(!(try rebuildFixtureDatabaseNames(log).contains(leftover)))
            #expect(try rebuildFixtureCheckAll(host) == [:])
        }
    }
}
