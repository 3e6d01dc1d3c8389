import LMDB

/// repeat-incidents folded in memory for a rebuild: its `RepeatLinker` rule, folded by `RepeatLinkerBulkFold`.
final class RepeatIncidentsBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    let projection: RepeatIncidentsProjection
    var position = 0
    private let linker: RepeatLinkerBulkFold

    init(_ projection: RepeatIncidentsProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        linker = shared.linker
    }

    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers) { _ = linker.fold(event, numbers) }

    func tables() -> [@Sendable () -> SortedTable] { linker.tables(for: projection) }
}
