import Testing
@testable import CXLedgerCore
@testable import LMDB

@Suite("The write-out's table parts: gathered per table, merged once for every database they go to")
struct RebuildTablePartsTests {
    private func part(_ keys: [UInt8], db: Database) -> SortedTable {
        var table = SortedTable(db)
        for k in keys { table.add([k], [k, 1]) }
        return table
    }

    @Test("a table's parts come back once all have arrived")
    func gathering() {
        let parts = RebuildTableParts()
        let db = Database(name: "t", dbi: 0)
        #expect(parts.add(part([1], db: db), of: 0, expecting: 2) == nil)
        #expect(parts.add(part([9], db: db), of: 1, expecting: 1)?.count == 1)
        #expect(parts.add(part([2], db: db), of: 0, expecting: 2)?.count == 2)
    }

    @Test("parts moved to several databases are merged once; other parts each time")
    func mergedOnceForMovedParts() throws {
        let origin = Database(name: "origin", dbi: 0)
        let x = Database(name: "x", dbi: 1), y = Database(name: "y", dbi: 2), z = Database(name: "z", dbi: 3)
        let a = part([5, 1, 3], db: origin).sorted(), b = part([4, 2], db: origin).sorted()
        let parts = RebuildTableParts()

        let first = try parts.merge([a.moved(to: x), b.moved(to: x)])
        // The other order, as builders may finish the parts in either.
        let second = try parts.merge([b.moved(to: y), a.moved(to: y)])
        #expect(first.db.name == "x" && second.db.name == "y")
        #expect(second.entriesIdentity == first.entriesIdentity)
        #expect(second.entries.map(\.key) == [[1], [2], [3], [4], [5]])
        #expect(second.entries.map(\.key) == first.entries.map(\.key))

        // Parts that go to one database only are merged afresh.
        let plain = try parts.merge([a.moved(to: z), part([7], db: z)])
        let again = try parts.merge([a.moved(to: z), part([7], db: z)])
        #expect(plain.entriesIdentity != again.entriesIdentity)
        #expect(again.entries.map(\.key) == [[1], [3], [5], [7]])
    }
}
