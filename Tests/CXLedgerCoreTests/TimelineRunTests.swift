import LMDB
import Testing
@testable import CXLedgerCore

/// The customer-history timeline keeps each customer's positions in runs of up to `timelineRun`.
@Suite("Customer timeline runs")
struct TimelineRunTests {
    /// Appends `count` interactions for `customer`, interleaved with another customer's, and returns their positions.
    private func appendInteractions(_ l: ProjectionFixtureLedger, _ customer: String, _ count: Int) throws -> [Int] {
        var positions: [Int] = []
        for i in 0..<count {
            positions.append(try l.append("interaction.recorded", customer: customer, at: "2026-01-01T00:00:00Z",
                                           ["channel": "chat", "direction": "inbound", "summary": .string("note \(i)")]))
            if i % 3 == 0 {
                try l.append("interaction.recorded", customer: "other", at: "2026-01-01T00:00:00Z",
                             ["channel": "email", "direction": "outbound"])
            }
        }
        return positions
    }

    /// The timeline table's entries for `customer`: each run's first position and its positions.
    private func runs(_ l: ProjectionFixtureLedger, _ customer: String) throws -> [(first: Int, positions: [Int])] {
        let status = try #require(try l.host.status(of: CustomerHistoryProjection.name))
        let tables = try l.host.readTables(for: CustomerHistoryProjection.self, generation: status.generation)
        let prefix = Array(customer.utf8) + [0]
        var out: [(first: Int, positions: [Int])] = []
        try l.log.read { txn in
            try txn.scan(tables["timeline"], from: prefix) { key, value in
                guard key.starts(with: prefix) else { return false }
                let first = Int(BigEndianKey.decode(UnsafeRawBufferPointer(rebasing: key[prefix.count...]))!)
                let positions = stride(from: 0, to: value.count, by: 8).map {
                    Int(UInt64(bigEndian: value.loadUnaligned(fromByteOffset: $0, as: UInt64.self)))
                }
                out.append((first, positions))
                return true
            }
        }
        return out
    }

    @Test("runs fill to the limit, page across their boundaries, and rebuild to the same entries")
    func runsAcrossBoundaries() throws {
        let l = try ProjectionFixtureLedger()
        let run = CustomerHistoryProjection.timelineRun
        let positions = try appendInteractions(l, "ada", 2 * run + 7)

        let live = try runs(l, "ada")
        #expect(live.map(\.positions.count) == [run, run, 7])
        #expect(live.map(\.first) == [positions[0], positions[run], positions[2 * run]])
        #expect(live.flatMap(\.positions) == positions)

        // Pages of every size, from the newest and from every `before`, hold exactly the positions below it.
        for limit in [1, 7, 50, run, run + 1, 1000] {
            var seen: [Int] = []
            var before: Int?
            repeat {
                let page = try #require(try l.history("ada", limit: limit, before: before))
                let got = (page["timeline"]?.arrayValue ?? []).map { $0["position"]!.intValue! }
                #expect(got.count <= limit)
                seen += got
                before = page["nextBefore"]?.intValue
            } while before != nil
            #expect(seen == positions.reversed(), "limit \(limit)")
        }
        for before in [positions[run] + 1, positions[run], positions[run] - 1, positions[0], positions[0] + 1] {
            let page = try #require(try l.history("ada", limit: 3, before: before))
            let got = (page["timeline"]?.arrayValue ?? []).map { $0["position"]!.intValue! }
            #expect(got == Array(positions.filter { $0 < before }.reversed().prefix(3)), "before \(before)")
        }

        // A rebuild cuts the runs where live appends did.
        #expect(try l.host.check(CustomerHistoryProjection.self) == [])
        try l.host.rebuild(CustomerHistoryProjection.self)
        let rebuilt = try runs(l, "ada")
        #expect(rebuilt.map(\.first) == live.map(\.first))
        #expect(rebuilt.map(\.positions) == live.map(\.positions))
        // Appends after the rebuild fill its last run.
        let more = try appendInteractions(l, "ada", 2)
        #expect(try runs(l, "ada").last?.positions == positions[(2 * run)...] + more)
        #expect(try l.host.check(CustomerHistoryProjection.self) == [])
    }

    @Test("one transaction's events fill a stored run and the next ones whole, as one by one would")
    func oneTransactionAcrossRuns() throws {
        let run = CustomerHistoryProjection.timelineRun
        let together = try ProjectionFixtureLedger(salt: 1), oneByOne = try ProjectionFixtureLedger(salt: 1)
        // A stored run of 10 first, then 2×64+5 events for two customers in one batch (one by one for the other).
        for l in [together, oneByOne] { _ = try appendInteractions(l, "ada", 10) }
        var batch: [ProposedEvent] = []
        for i in 0..<(2 * run + 5) {
            for customer in ["ada", "bob"] where customer == "ada" || i % 2 == 0 {
                batch.append(try EventValidator.validate([
                    "id": .string(together.nextId()), "type": "interaction.recorded", "customerId": .string(customer),
                    "occurredAt": "2026-01-02T00:00:00Z",
                    "data": ["channel": "chat", "direction": "inbound", "public": .bool(i % 5 == 0), "summary": .string("n \(i)")],
                ]))
            }
        }
        try together.log.append(batch)
        for event in batch { try oneByOne.log.append([event]) }
        #expect(try runs(together, "ada").map(\.positions.count) == [run, run, 15])
        #expect(try runs(together, "ada").map(\.positions) == runs(oneByOne, "ada").map(\.positions))
        #expect(try runs(together, "bob").map(\.first) == runs(oneByOne, "bob").map(\.first))
        #expect(try together.projectionTableContents() == oneByOne.projectionTableContents())
        #expect(try together.history("ada")?["counters"]?["publicComplaints"] == 27)
        #expect(try together.host.check(CustomerHistoryProjection.self) == [])
    }

    @Test("a run that is not whole positions is reported, not read")
    func damagedRun() throws {
        let l = try ProjectionFixtureLedger()
        let positions = try appendInteractions(l, "bea", 3)
        let status = try #require(try l.host.status(of: CustomerHistoryProjection.name))
        let tables = try l.host.readTables(for: CustomerHistoryProjection.self, generation: status.generation)
        try l.log.environment.write { txn in
            try txn.put(tables["timeline"], key: CustomerHistoryProjection.timelineKey("bea", positions[0]), value: [1, 2, 3])
        }
        #expect { try l.history("bea") } throws: {
            let e = $0 as? LedgerError
            return e?.code == .invalidEvent && e?.message.contains("timeline of bea") == true
        }
    }
}
