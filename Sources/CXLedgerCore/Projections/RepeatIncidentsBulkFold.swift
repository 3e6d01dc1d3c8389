import LMDB

/// repeat-incidents folded in memory for a rebuild: its `RepeatLinker` rule, folded by `RepeatLinkerBulkFold`.
final class RepeatIncidentsBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: used by one rebuild only, by one thread at a time: it folds on the rebuild's own thread or on
    // the fold thread beside it (`BulkFoldThread`, waited for before the tables are read), or, when a projection
    // of the rebuild has no bulk fold, in the rebuild's jobs on the writer thread (one at a time, each waited
    // for); then the rebuild's own thread reads its tables. Folds sharing state all fold on the same thread.

    let projection: RepeatIncidentsProjection
    var position = 0
    private let linker: RepeatLinkerBulkFold

    init(_ projection: RepeatIncidentsProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        linker = shared.linker
    }

    func fold(_ event: RecordedEvent) { _ = linker.fold(event) }

    func tables() -> [SortedTable] { linker.tables(for: projection.linker) }
}
