import Testing
@testable import CXLedgerCore
@testable import LMDB

@Suite("The write-out's table parts: gathered per table, then merged")
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

    @Test("parts merge in key order, in whichever order they arrived")
    func merging() throws {
        let db = Database(name: "t", dbi: 0)
        let a = part([5, 1, 3], db: db).sorted(), b = part([4, 2], db: db).sorted()
        let parts = RebuildTableParts()
        #expect(try parts.merge([a, b]).entries.map(\.key) == [[1], [2], [3], [4], [5]])
        #expect(try parts.merge([b, a]).entries.map(\.key) == [[1], [2], [3], [4], [5]])
        #expect(try parts.merge([a]).entries.map(\.key) == [[1], [3], [5]])
    }
}
