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
/// table); folds sharing state (`BulkFoldShared`) all fold on the rebuild's own thread. Once all folding is over,
/// two threads build the tables, possibly of the same fold at once: building only reads the folded state, but
/// for the repeat-incident rule's tables, built once for all three projections under a lock.
protocol BulkFold: AnyObject, Sendable {
    /// The last position folded in. Events at or before it are skipped, so no event is ever counted twice.
    var position: Int { get set }

    /// Folds one event in (events arrive in position order).
    func fold(_ event: RecordedEvent)

    /// The folded state as the projection's tables, each in key order and built when its closure is called:
    /// the rebuild writes one table while the next are built. Called once the fold is over; the closures may
    /// run on two threads at once, so they must not change the fold's state.
    func tables() -> [@Sendable () -> SortedTable]
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
    /// How many cases the log holds, so folds keyed by case make their dictionaries that large at once: grown
    /// by doubling, a 100k-case dictionary was rehashed into fresh pages the kernel zeroed, time after time.
    let cases: Int
    private lazy var sharedLinker = RepeatLinkerBulkFold(cases: cases)

    init(cases: Int = 0) {
        self.cases = cases
    }

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
