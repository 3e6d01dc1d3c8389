import LMDB

/// repeat-incidents folded in memory for a rebuild: its `RepeatLinker` rule, folded by `RepeatLinkerBulkFold`.
final class RepeatIncidentsBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: used by one rebuild only, first by its jobs on the writer thread (one at a time, each waited
    // for), then by the rebuild's own thread writing the tables out; never by two threads at once.

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
