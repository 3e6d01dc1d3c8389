import Foundation
import LMDB
import Testing
@testable import CXLedgerCore

/// The newest ids kept in memory and merged into the id index in sorted batches (`RecentIds`): a retry is
/// recognised wherever its id is held, and nothing a rolled-back transaction added is believed.
@Suite("Recent ids merged into the id index in batches")
struct RecentIdsTests {
    /// An interaction with id number `n`, on a random-looking id (the salt scatters them over the index).
    private func interaction(_ n: Int, summary: String = "wrote about the delay") throws -> ProposedEvent {
        try fixtureEvent("interaction.recorded", id: fixtureID(n, salt: (n * 7919) % 65_521),
                         data: ["channel": "email", "direction": "inbound", "summary": .string(summary)])
    }

    private func indexed(_ log: EventLog) throws -> (through: Int?, count: Int) {
        try log.read { txn in
            let through = try txn.get(log.databases.meta, key: RecentIds.metaKey)
                .flatMap { $0.withUnsafeBytes { BigEndianKey.decode($0) } }.map(Int.init)
            return (through, try txn.count(log.databases.ids))
        }
    }

    @Test("a retry is answered with its original position whether its id is in memory, merged, or read back after a reopen")
    func retriesAreRecognisedWhereverTheIdIs() throws {
        let dir = FixtureDirectory("recent-ids")
        var positions: [Int: Int] = [:]
        do {
            let log = try EventLog(directory: dir.path, idMergeEvery: 8)
            for n in 1...20 { positions[n] = try log.append([interaction(n)])[0].position }
            // Merged after the 8th and the 16th append; 17…20 are held in memory only.
            #expect(try indexed(log) == (16, 16))
            for n in [3, 16, 17, 20] {
                let retry = try log.append([interaction(n)])[0]
                #expect(retry.alreadyStored && retry.position == positions[n], "id \(n)")
            }
            for n in [5, 19] {
                let conflict = fixtureExpectFailure { try log.append([interaction(n, summary: "something else")]) }
                #expect(conflict?.error.code == .idConflict, "id \(n)")
            }
            #expect(try log.head().position == 20)
        }
        let reopened = try EventLog(directory: dir.path, idMergeEvery: 8)
        for n in [2, 18, 20] {
            let retry = try reopened.append([interaction(n)])[0]
            #expect(retry.alreadyStored && retry.position == positions[n], "id \(n) after reopening")
        }
        // The ids read back from the log are merged with the new ones: 17…24.
        for n in 21...24 { #expect(try reopened.append([interaction(n)])[0].position == n) }
        #expect(try indexed(reopened) == (24, 24))
        #expect(try reopened.append([interaction(19)])[0].position == 19)
    }

    @Test("ids added by a transaction that did not commit are forgotten: the event is appended, at the next position")
    func aRolledBackTransactionLeavesNoId() throws {
        let dir = FixtureDirectory("recent-ids-rollback")
        let log = try EventLog(directory: dir.path, idMergeEvery: 1_000)
        try log.append([interaction(1)])
        struct Abandon: Error {}
        let events = [try interaction(2), try interaction(3)]
        #expect(throws: Abandon.self) {
            try log.environment.write { txn in
                _ = try log.appending(in: txn) { appends in try log.apply(events, to: &appends, in: txn) }
                throw Abandon()
            }
        }
        #expect(try log.head().position == 1)
        // Another event takes position 2, where the abandoned transaction had put event 2.
        #expect(try log.append([interaction(9)])[0].position == 2)
        let answers = try log.append(events)
        #expect(answers.map(\.alreadyStored) == [false, false])
        #expect(answers.map(\.position) == [3, 4])
        #expect(try log.append([interaction(3)])[0] == { var a = answers[1]; a.alreadyStored = true; return a }())
    }

    @Test("a ledger whose index holds every id and has no ids-through mark (as before the index could lag) keeps answering retries")
    func aLedgerWithoutTheMarkHoldsEveryIdInTheIndex() throws {
        let dir = FixtureDirectory("recent-ids-legacy")
        do {
            let log = try EventLog(directory: dir.path, idMergeEvery: 1)
            for n in 1...5 { try log.append([interaction(n)]) }
            #expect(try indexed(log) == (5, 5))
            try log.environment.write { txn in _ = try txn.delete(log.databases.meta, key: RecentIds.metaKey) }
        }
        let log = try EventLog(directory: dir.path, idMergeEvery: 1_000)
        let retry = try log.append([interaction(4)])[0]
        #expect(retry.alreadyStored && retry.position == 4)
        #expect(try log.append([interaction(6)])[0].position == 6)
        // The mark was set at the head; event 6's id sorts after every id in the index, so it went straight in.
        #expect(try indexed(log) == (6, 6))
    }

    @Test("ids that sort after every id in the index go straight in; one out of order is held, and those after it too")
    func idsInKeyOrderGoStraightIn() throws {
        let dir = FixtureDirectory("recent-ids-straight")
        func event(_ id: String) throws -> ProposedEvent {
            try fixtureEvent("interaction.recorded", id: id, data: ["channel": "email", "direction": "inbound"])
        }
        // Salt 1 puts these after every salt-0 id.
        let inOrder = (1...11).map { fixtureID($0, salt: 1) }, early = fixtureID(99, salt: 0)
        do {
            let log = try EventLog(directory: dir.path, idMergeEvery: 1_000)
            for id in inOrder.prefix(10) { try log.append([event(id)]) }
            #expect(try indexed(log) == (10, 10))
            #expect(try log.append([event(early)])[0].position == 11)
            #expect(try log.append([event(inOrder[10])])[0].position == 12)
            #expect(try indexed(log) == (10, 10))
            for (id, position) in [(early, 11), (inOrder[10], 12), (inOrder[3], 4)] {
                let retry = try log.append([event(id)])[0]
                #expect(retry.alreadyStored && retry.position == position)
            }
        }
        let reopened = try EventLog(directory: dir.path, idMergeEvery: 1_000)
        let retry = try reopened.append([event(early)])[0]
        #expect(retry.alreadyStored && retry.position == 11)
    }
}
