import Foundation
import LMDB

/// A projection folded in memory during a rebuild, then written once, in key order, into its empty tables.
///
/// The rebuild writes the folded tables in bounded transactions once the fold has caught up with the log as
/// it stood, then folds the few events appended since in place, like a live projection. Bulk folds are used
/// only when every projection of the rebuild has one.
///
/// It follows the same rules as the projection's `apply`, on decoded state instead of stored bytes: a rebuild
/// then spends its time on the rules rather than on decoding, re-encoding and re-writing the same records for
/// every event. `cxledger-rebuild --check` folds the other way (event by event, in place) and compares.
///
/// Thread safety (why each fold's `@unchecked Sendable` is sound): a fold belongs to one rebuild and is used
/// by one thread at a time. It folds either on the rebuild's own thread or, when it keeps no state but its
/// own, on the fold thread beside it (`BulkFoldThread`, which the rebuild waits for before it reads any
/// table); folds sharing state (`BulkFoldShared`) all fold on the rebuild's own thread. Then the rebuild's own
/// thread reads the tables.
protocol BulkFold: AnyObject, Sendable {
    /// The last position folded in. Events at or before it are skipped, so no event is ever counted twice.
    var position: Int { get set }

    /// Folds one event in (events arrive in position order).
    func fold(_ event: RecordedEvent)

    /// The folded state as the projection's tables, each in key order and built when its closure is called:
    /// the rebuild writes one table while the next is built. Called once the fold is over.
    func tables() -> [() -> SortedTable]
}

/// A projection that can rebuild through a `BulkFold` (a rebuild including any other folds every
/// projection event by event in place).
protocol BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold
}

/// What the bulk folds of one rebuild share: the repeat-incident rule, which three projections embed, is
/// folded once and written into each one's tables. A fold takes what it shares when it is made; the rebuild
/// counts the takes to know which folds keep state of their own.
final class BulkFoldShared: @unchecked Sendable {
    // @unchecked: as the folds themselves (see `BulkFold`); only the rebuild's own thread makes folds.
    private(set) var takes = 0
    private lazy var sharedLinker = RepeatLinkerBulkFold()

    var linker: RepeatLinkerBulkFold {
        takes += 1
        return sharedLinker
    }
}

extension BulkFold {
    func apply(_ event: RecordedEvent) {
        guard event.position > position else { return }
        fold(event)
        position = event.position
    }
}

/// The entries of one table, gathered in any order and handed out in key order (LMDB's byte order).
///
/// Keys and values live back to back in one byte buffer, an entry being a span of it: a rebuild's tables hold
/// millions of small entries (a timeline entry per event), and an array of their own for each key and value
/// cost more to allocate, write out and free than the folding itself.
struct SortedTable: Sendable {
    let db: Database
    private var bytes: [UInt8] = []
    /// Per entry: where its key starts in `bytes`, then the key's and the value's lengths (the value follows the key).
    private var spans: [(start: Int, keyCount: Int32, valueCount: Int32)] = []
    /// Whether entries were added in key order already.
    private var ordered = true

    init(_ db: Database, capacity: Int = 0) {
        self.db = db
        spans.reserveCapacity(capacity)
    }

    var count: Int { spans.count }

    mutating func add(_ key: [UInt8], _ value: [UInt8]) {
        add(key: { $0.append(contentsOf: key) }, value)
    }

    /// Adds an entry whose key `writeKey` appends to the bytes it is handed, so the key needs no array of its own.
    mutating func add(key writeKey: (inout [UInt8]) -> Void, _ value: [UInt8]) {
        let start = bytes.count
        writeKey(&bytes)
        let keyCount = bytes.count - start
        bytes.append(contentsOf: value)
        let span = (start: start, keyCount: Int32(keyCount), valueCount: Int32(value.count))
        if ordered, let last = spans.last {
            ordered = bytes.withUnsafeBytes { Self.key(last, in: $0).precedes(Self.key(span, in: $0)) }
        }
        spans.append(span)
    }

    /// The same entries, for another database.
    func moved(to db: Database) -> SortedTable {
        var copy = SortedTable(db)
        copy.bytes = bytes
        copy.spans = spans
        copy.ordered = ordered
        return copy
    }

    func sorted() -> SortedTable {
        guard !ordered else { return self }
        var copy = self
        bytes.withUnsafeBytes { b in copy.spans.sort { Self.key($0, in: b).precedes(Self.key($1, in: b)) } }
        copy.ordered = true
        return copy
    }

    /// Hands the entries at `offsets` to `body` in order, as bytes valid only during the call.
    func forEach(in offsets: Range<Int>,
                 _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { b in
            for i in offsets {
                let span = spans[i]
                let valueStart = span.start + Int(span.keyCount)
                try body(Self.key(span, in: b).bytes, UnsafeRawBufferPointer(rebasing: b[valueStart..<(valueStart + Int(span.valueCount))]))
            }
        }
    }

    /// Every entry as arrays (for tests).
    var entries: [(key: [UInt8], value: [UInt8])] {
        var all: [(key: [UInt8], value: [UInt8])] = []
        all.reserveCapacity(count)
        forEach(in: 0..<count) { all.append((Array($0), Array($1))) }
        return all
    }

    private static func key(_ span: (start: Int, keyCount: Int32, valueCount: Int32), in b: UnsafeRawBufferPointer) -> ByteOrderedKey {
        ByteOrderedKey(bytes: UnsafeRawBufferPointer(rebasing: b[span.start..<(span.start + Int(span.keyCount))]))
    }
}

/// Key bytes compared as LMDB compares keys by default: memcmp, then the shorter first.
private struct ByteOrderedKey {
    let bytes: UnsafeRawBufferPointer

    func precedes(_ other: ByteOrderedKey) -> Bool {
        let common = min(bytes.count, other.bytes.count)
        if common > 0 {
            let order = memcmp(bytes.baseAddress!, other.bytes.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return bytes.count < other.bytes.count
    }
}

/// Keys in LMDB's byte order.
func byteOrdered<S: Sequence>(_ keys: S) -> [UTF8Key] where S.Element == UTF8Key {
    keys.sorted { a, b in a.withBytes { x in b.withBytes { y in ByteOrderedKey(bytes: x).precedes(ByteOrderedKey(bytes: y)) } } }
}
