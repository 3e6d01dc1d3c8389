import Foundation
import Testing
@testable import CXLedgerCore

// A rebuild folds its events in two shares, by customer, on two threads (`FoldPartition`). These stories put
// customers on both shares on purpose: the share a customer falls to is the same in every process, so each
// story picks its customers by their share. `BulkEquivalenceStory.verify` then compares the rebuilt tables
// and answers with the live ones.

/// The share of two that `customer` falls to.
private func partitionShare(_ customer: String) -> Int {
    Int(UTF8Key(customer).spread % 2)
}

/// The first customer named `prefix` + a number that falls to `share`.
private func partitionCustomer(_ prefix: String, share: Int) -> String {
    (0...).lazy.map { "\(prefix)\($0)" }.first { partitionShare($0) == share }!
}

/// The four projections' bulk folds, as a rebuild makes them.
private func partitionProjections(_ ledger: ProjectionFixtureLedger) throws -> [any BulkFoldable] {
    let host = ledger.host
    let projections: [any Projection] = [try host.projection(OpenCasesProjection.self),
                                         try host.projection(CustomerHistoryProjection.self),
                                         try host.projection(RepeatIncidentsProjection.self),
                                         try host.projection(AtRiskProjection.self)]
    return try projections.map { try #require($0 as? BulkFoldable) }
}

/// Which of two shares throw `StrayCase` when folding every event of `ledger`.
private func partitionStrays(_ ledger: ProjectionFixtureLedger) throws -> [Bool] {
    let events = try ledger.log.events().map { try $0.recorded() }
    let projections = try partitionProjections(ledger)
    return try (0..<2).map { index in
        let share = FoldPartition(index, of: 2, folding: projections, cases: 10)
        do {
            try share.fold(events)
            return false
        } catch is FoldPartition.StrayCase {
            return true
        }
    }
}

@Suite("Fold partitions: a rebuild's shares by customer")
struct FoldPartitionTests {
    @Test("a key's share does not depend on the process (the spread is not seeded)")
    func spreadIsFixed() {
        #expect(UTF8Key("cust-1").spread == 0xA38C_74CE_1689_60DA)
        #expect(UTF8Key("cust-1").spread == UTF8Key(bytes: Array("cust-1".utf8)).spread)
        #expect(UTF8Key("cust-1").spread != UTF8Key("cust-2").spread)
        // Keys longer than the 16 inline bytes spread by those bytes and their length.
        #expect(UTF8Key(String(repeating: "x", count: 40)).spread != UTF8Key(String(repeating: "x", count: 41)).spread)
    }

    /// Customers on both shares, each with its own cases, repeats, loops and closings, and policies (one naming a
    /// customer) that both shares must hold alike: folded apart and merged, the tables equal the live ones.
    @Test func customersOnBothShares() throws {
        let s = try BulkEquivalenceStory()
        let a = partitionCustomer("pa-", share: 0), b = partitionCustomer("pb-", share: 1)
        try s.append("sla.policy_set", at: "2026-03-01T00:00:00Z", projectionFixturePolicy("vip", nil, minutes: 30, hours: 8))
        try s.append("sla.policy_set", customer: b, at: "2026-03-01T00:30:00Z", projectionFixturePolicy("vip", "phone", minutes: 15, hours: 4))
        for (customer, tag) in [(a, "a"), (b, "b")] {
            try s.append("customer.profiled", customer: customer, at: "2026-03-01T01:00:00Z", ["segment": "vip", "name": .string(tag)])
            try s.append("case.opened", customer: customer, caseId: "\(tag)-1", at: "2026-03-01T02:00:00Z", bulkEquivalenceOpening("billing"))
            try s.append("case.opened", customer: customer, caseId: "\(tag)-2", at: "2026-03-02T02:00:00Z", bulkEquivalenceOpening("billing"))
            for _ in 0..<4 {
                try s.append("interaction.recorded", customer: customer, caseId: "\(tag)-1", at: "2026-03-03T02:00:00Z",
                             ["channel": "letter", "direction": "outbound", "templateId": "form-7"])
            }
            try s.append("case.escalated", customer: customer, caseId: "\(tag)-2", at: "2026-03-04T02:00:00Z", ["level": 2, "reason": "slow"])
            try s.append("case.closed", customer: customer, caseId: "\(tag)-1", at: "2026-03-05T02:00:00Z", ["reason": "resolved"])
            try s.append("interaction.recorded", customer: customer, at: "2026-03-06T02:00:00Z",
                         ["channel": "blog", "direction": "inbound", "public": true, "sentiment": -0.5])
        }
        try s.append("review.held", at: "2026-03-07T00:00:00Z", ["periodStart": "2026-03-01", "periodEnd": "2026-03-07"])
        try s.verify(now: "2026-03-08T00:00:00Z")
        #expect(try partitionStrays(s.later) == [false, false])
        #expect(try s.live.related("b-2")?["links"]?.arrayValue?.map { $0["relatedCaseId"] } == ["b-1"])
    }

    /// A case opened for a customer of one share, with later events naming a customer of the other (the log does
    /// not forbid it). The other share meets a case it never saw opened and says so; the rebuild then folds in one
    /// share, and its tables equal the live ones.
    @Test func aCaseNamingCustomersOfBothShares() throws {
        let s = try BulkEquivalenceStory()
        let a = partitionCustomer("sa-", share: 0), b = partitionCustomer("sb-", share: 1)
        try s.append("customer.profiled", customer: a, at: "2026-04-01T00:00:00Z", ["segment": "priority"])
        try s.append("customer.profiled", customer: b, at: "2026-04-01T00:00:00Z", ["segment": "vip"])
        try s.append("case.opened", customer: a, caseId: "x-1", at: "2026-04-01T01:00:00Z", bulkEquivalenceOpening("network"))
        try s.append("case.opened", customer: b, caseId: "y-1", at: "2026-04-01T02:00:00Z", bulkEquivalenceOpening("network"))
        try s.append("interaction.recorded", customer: b, caseId: "x-1", at: "2026-04-02T01:00:00Z",
                     ["channel": "email", "direction": "outbound", "templateId": "t"])
        try s.append("case.escalated", customer: b, caseId: "x-1", at: "2026-04-02T02:00:00Z", ["level": 1, "reason": "b asked"])
        try s.append("case.closed", customer: a, caseId: "x-1", at: "2026-04-03T01:00:00Z", ["reason": "resolved"])
        try s.append("case.opened", customer: a, caseId: "x-2", at: "2026-04-04T01:00:00Z", bulkEquivalenceOpening("network"))
        try s.append("case.linked", customer: b, caseId: "x-2", at: "2026-04-04T02:00:00Z",
                     ["relatedCaseId": "x-1", "relation": "not_related"])
        #expect(try partitionStrays(s.later) == [false, true])
        try s.verify(now: "2026-04-05T00:00:00Z")
        #expect(try s.live.history(b)?["counters"]?["escalations"] == 1)
    }

    /// Two openings of one case in different shares cannot come from the log (it refuses a second opening), but
    /// a log written around its rules could hold them: folded apart, neither opening would see the other.
    @Test func openingsOfOneCaseInTwoSharesOverlap() throws {
        let a = partitionCustomer("oa-", share: 0), b = partitionCustomer("ob-", share: 1)
        func opening(_ position: Int, _ customer: String) throws -> RecordedEvent {
            let json = """
                {"caseId":"dup","customerId":"\(customer)","data":{"category":"c","channel":"phone","severity":2,"summary":"s"},\
                "id":"00000000-0000-4000-8000-00000000000\(position)","occurredAt":"2026-05-01T00:00:0\(position)Z",\
                "position":\(position),"recordedAt":"2026-05-01T00:00:00Z","stream":"case-dup","streamVersion":\(position),\
                "type":"case.opened"}
                """
            return try Array(json.utf8).withUnsafeBytes { try RecordedEvent(storedEnvelope: $0, preparingKeys: true) }
        }
        let events = [try opening(1, a), try opening(2, b)]
        let ledger = try ProjectionFixtureLedger()
        let projections = try partitionProjections(ledger)
        let shares = (0..<2).map { FoldPartition($0, of: 2, folding: projections, cases: 2) }
        for share in shares { try share.fold(events) }
        #expect(FoldPartition.overlap(shares))
        let apart = (0..<2).map { FoldPartition($0, of: 2, folding: projections, cases: 2) }
        for share in apart { try share.fold([events[0]]) }
        #expect(!FoldPartition.overlap(apart))
    }
}
