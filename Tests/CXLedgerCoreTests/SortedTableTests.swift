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
        var b = a.moved(to: Database(name: "other", dbi: 1))
        b.add([0], [0])
        a.add([3], [30])
        #expect(a.sorted().entries.map(\.key) == [[1], [2], [3]])
        #expect(b.sorted().entries.map(\.key) == [[0], [1], [2]])
        #expect(b.db.name == "other")
        #expect(b.sorted().entries.map(\.value) == [[0], [10], [20]])
    }
}
