import Foundation
import LMDB

/// A projection folded in memory during a rebuild, then written once, in key order, into its empty tables.
///
/// The rebuild writes the folded tables in bounded transactions once the fold has caught up with the log as
/// it stood, then folds the few events appended since in place, like a live projection.
///
/// It follows the same rules as the projection's `apply`, on decoded state instead of stored bytes: a rebuild
/// then spends its time on the rules rather than on decoding, re-encoding and re-writing the same records for
/// every event. `cxledger-rebuild --check` folds the other way (event by event, in place) and compares.
protocol BulkFold: AnyObject, Sendable {
    /// The last position folded in. Events at or before it are skipped, so a write transaction that is
    /// retried (the map grew) cannot fold an event twice.
    var position: Int { get set }

    /// Folds one event in (events arrive in position order).
    func fold(_ event: RecordedEvent)

    /// The folded state as the projection's tables, each in key order.
    func tables() -> [SortedTable]

    /// Whether the fold keeps no state but its own (nothing from `BulkFoldShared`), so it may fold on a thread
    /// beside the rebuild's other folds.
    var foldsAlone: Bool { get }
}

extension BulkFold {
    var foldsAlone: Bool { false }
}

/// A projection that can rebuild through a `BulkFold` (the others are folded event by event in place).
protocol BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold
}

/// What the bulk folds of one rebuild share: the repeat-incident rule, which three projections embed, is
/// folded once and written into each one's tables.
final class BulkFoldShared: @unchecked Sendable {
    // @unchecked: used by one rebuild only, by one thread at a time: it folds on the rebuild's own thread or on
    // the fold thread beside it (`BulkFoldThread`, waited for before the tables are read), or, when a projection
    // of the rebuild has no bulk fold, in the rebuild's jobs on the writer thread (one at a time, each waited
    // for); then the rebuild's own thread reads its tables. Folds sharing state all fold on the same thread.
    private(set) lazy var linker = RepeatLinkerBulkFold()
}

extension BulkFold {
    func apply(_ event: RecordedEvent) {
        guard event.position > position else { return }
        fold(event)
        position = event.position
    }
}

/// The entries of one table, gathered in any order and handed out in key order (LMDB's byte order).
struct SortedTable: Sendable {
    let db: Database
    private(set) var entries: [(key: [UInt8], value: [UInt8])] = []
    /// Whether entries were added in key order already.
    private var ordered = true

    init(_ db: Database, capacity: Int = 0) {
        self.db = db
        entries.reserveCapacity(capacity)
    }

    mutating func add(_ key: [UInt8], _ value: [UInt8]) {
        if ordered, let last = entries.last, !bytesPrecede(last.key, key) { ordered = false }
        entries.append((key, value))
    }

    /// The same entries, for another database.
    func moved(to db: Database) -> SortedTable {
        var copy = SortedTable(db)
        copy.entries = entries
        copy.ordered = ordered
        return copy
    }

    func sorted() -> SortedTable {
        guard !ordered else { return self }
        var copy = self
        copy.entries.sort { bytesPrecede($0.key, $1.key) }
        copy.ordered = true
        return copy
    }
}

/// Keys in LMDB's byte order.
func byteOrdered<S: Sequence>(_ keys: S) -> [UTF8Key] where S.Element == UTF8Key {
    keys.sorted { bytesPrecede($0.bytes, $1.bytes) }
}

/// Whether `a` sorts before `b` in LMDB's default key order (memcmp, then the shorter first).
func bytesPrecede(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    let common = min(a.count, b.count)
    if common > 0 {
        let order = a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, common) } }
        if order != 0 { return order < 0 }
    }
    return a.count < b.count
}
