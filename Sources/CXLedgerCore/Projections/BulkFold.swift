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
/// Thread safety (why each fold's `@unchecked Sendable` is sound): a fold belongs to one share of one rebuild
/// (see `FoldPartition`) and folds on that share's one thread: the rebuild's own, or a `BulkFoldThread` the
/// rebuild waits for before it reads any table. Once all folding is over, two threads build the tables, possibly
/// of the same fold at once: building only reads the folded state.
protocol BulkFold: AnyObject, Sendable {
    /// The last position folded in. Events at or before it are skipped, so no event is ever counted twice.
    var position: Int { get set }

    /// Folds one event in (events arrive in position order), given its numbers in the fold's share.
    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers)

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

/// An event's customer and case as numbered by the share folding it (see `FoldIdentifiers`); nil when it names
/// none, or (for the case) names one the share never saw opened.
struct FoldNumbers {
    let customer: Int?
    let caseNumber: Int?
}

/// What the bulk folds of one share of a rebuild (see `FoldPartition`) have in common: the numbering of its
/// customers and cases, and the repeat-incident rule, folded once for repeat-incidents (whose tables it becomes) and
/// for the folds counting its hold changes (customer-history, at-risk), even when repeat-incidents is not rebuilt.
final class BulkFoldShared: @unchecked Sendable {
    // @unchecked: as the folds themselves (see `BulkFold`); folds are made on the rebuild's own thread.
    /// How many cases the share may hold, so folds keyed by case make their tables that large at once: grown by
    /// doubling, a 100k-case dictionary was rehashed into fresh pages the kernel zeroed, time after time.
    let cases: Int
    let ids: FoldIdentifiers
    private(set) lazy var linker = RepeatLinkerBulkFold(ids, cases: cases)

    init(cases: Int = 0) {
        self.cases = cases
        ids = FoldIdentifiers(cases: cases)
    }
}

extension BulkFold {
    func apply(_ event: RecordedEvent, _ numbers: FoldNumbers) {
        guard event.position > position else { return }
        fold(event, numbers)
        position = event.position
    }
}
