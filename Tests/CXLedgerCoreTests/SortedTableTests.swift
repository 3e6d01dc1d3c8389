import Testing
@testable import CXLedgerCore
@testable import LMDB

@Suite("SortedTable: a rebuild's table entries, handed out in LMDB's key order")
struct SortedTableTests {
    private let db = Database(name: "test", dbi: 0)

    private func lmdbPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x < y }
        return a.count < b.count
    }

    @Test("entries spread over many chunks, some larger than a chunk, come out sorted and intact")
    func manyChunks() {
        var rng = SystemRandomNumberGenerator()
        var table = SortedTable(db)
        var expected: [(key: [UInt8], value: [UInt8])] = []
        for i in 0..<3_000 {
            let key = (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) } + withUnsafeBytes(of: UInt32(i).bigEndian, Array.init)
            // Mostly small values, some of a few hundred KiB, and two larger than a whole chunk.
            let size = i % 500 == 7 ? 5 << 20 : (i % 50 == 3 ? 300_000 : Int.random(in: 0...300, using: &rng))
            let value = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            table.add(key, value)
            expected.append((key, value))
        }
        let inserted = expected.map(\.key)
        expected.sort { lmdbPrecedes($0.key, $1.key) }
        let sorted = table.sorted()
        #expect(sorted.count == expected.count)
        let entries = sorted.entries
        #expect(entries.map(\.key) == expected.map(\.key))
        #expect(entries.map(\.value) == expected.map(\.value))
        // Sorting leaves the table it came from as it was.
        #expect(table.entries.map(\.key) == inserted)
    }

    @Test("a copy added to afterwards does not change the table it was copied from, nor the other way round")
    func copiesStayApart() {
        var a = SortedTable(db)
        a.add([2], [20])
        a.add([1], [10])
        var b = a
        b.add([0], [0])
        a.add([3], [30])
        #expect(a.sorted().entries.map(\.key) == [[1], [2], [3]])
        #expect(b.sorted().entries.map(\.key) == [[0], [1], [2]])
        #expect(b.sorted().entries.map(\.value) == [[0], [10], [20]])
    }

    @Test("two sorted tables merge in key order, a key both hold kept once, reading bytes both tables keep")
    func merging() throws {
        var merged: SortedTable
        do {
            var a = SortedTable(db), b = SortedTable(db)
            for k: UInt8 in [5, 1, 3] { a.add([k], [k, 0xA]) }
            for k: UInt8 in [4, 3, 2] { b.add([k], k == 3 ? [3, 0xA] : [k, 0xB]) }
            b.add([1, 0], [0xC])
            merged = try a.merged(with: b)
            // Both tables are gone here: the merged one keeps the bytes they held alive.
        }
        #expect(merged.entries.map(\.key) == [[1], [1, 0], [2], [3], [4], [5]])
        #expect(merged.entries.map(\.value) == [[1, 0xA], [0xC], [2, 0xB], [3, 0xA], [4, 0xB], [5, 0xA]])
        // An entry added afterwards goes to a chunk of the merged table's own.
        var more = merged
        more.add([0], [0])
        #expect(more.sorted().entries.map(\.key) == [[0], [1], [1, 0], [2], [3], [4], [5]])
        #expect(merged.entries.count == 6)
    }

    @Test("large tables merge into one ordered table, and an empty one changes nothing")
    func mergingLargeTables() throws {
        var a = SortedTable(db), b = SortedTable(db)
        let value = [UInt8](repeating: 7, count: 3_000)
        for i in stride(from: 0, to: 4_000, by: 2) { a.add(withUnsafeBytes(of: UInt32(i).bigEndian, Array.init), value) }
        for i in stride(from: 1, to: 4_000, by: 2) { b.add(withUnsafeBytes(of: UInt32(i).bigEndian, Array.init), [UInt8(i % 251)]) }
        let merged = try a.merged(with: b)
        #expect(merged.count == 4_000)
        let entries = merged.entries
        #expect(entries.map(\.key) == (0..<4_000).map { withUnsafeBytes(of: UInt32($0).bigEndian, Array.init) })
        #expect(entries.indices.allSatisfy { $0 % 2 == 0 ? entries[$0].value == value : entries[$0].value == [UInt8($0 % 251)] })
        #expect(try merged.merged(with: SortedTable(db)).entries.map(\.key) == entries.map(\.key))
        #expect(try SortedTable(db).merged(with: merged).entries.map(\.value) == entries.map(\.value))
    }

    @Test("a key two tables hold with different values fails the merge, naming the key and the database")
    func mergingDisagreeingValues() {
        var a = SortedTable(db), b = SortedTable(db)
        a.add([1], [1])
        a.add([2], [2])
        b.add([2], [3])
        do {
            _ = try a.merged(with: b)
            Issue.record("the merge kept one of two different values")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("key 02 of test"), "\(error.message)")
        }
    }
}
