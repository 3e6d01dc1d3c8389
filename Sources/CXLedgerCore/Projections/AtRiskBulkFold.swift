import LMDB

/// at-risk folded in memory for a rebuild: the rules of `AtRiskProjection.apply` on decoded signals, with the
/// ranking derived from the final scores.
final class AtRiskBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    let projection: AtRiskProjection
    var position = 0
    private let linker: RepeatLinkerBulkFold
    private let ids: FoldIdentifiers
    /// By customer number.
    private var signals = DenseMap<AtRiskProjection.Signals>()
    /// `02` ‖ caseId ‖ 00 ‖ templateId → outbound sends.
    private var templateCounts: [[UInt8]: Int] = [:]
    /// `03` ‖ caseId of cases counted as a form-letter loop.
    private var loops: Set<[UInt8]> = []

    init(_ projection: AtRiskProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        linker = shared.linker
        ids = shared.ids
    }

    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers) {
        if let change = linker.fold(event, numbers) {
            update(change.customer) { $0.repeatIncidents += change.holds ? 1 : -1 }
        }
        guard let customer = numbers.customer else { return }
        // The event's data only where a rule reads it (see `CustomerHistoryBulkFold.fold`).
        switch event.type {
        case .customerInfluenceObserved:
            let d = event.data
            guard let channel = d["channel"]?.stringValue, let n = d["followers"]?.intValue else { return }
            update(customer) { $0.followers.observe(channel: channel, followers: n) }
        case .caseCloseoutDisputed:
            update(customer) { $0.disputedCloseouts += 1 }
        case .interactionRecorded:
            let d = event.data
            if d["public"]?.boolValue == true, let s = d["sentiment"]?.doubleValue, s < 0 {
                update(customer) { $0.publicNegatives += 1 }
            }
            guard d["direction"]?.stringValue == "outbound", let caseId = event.caseId,
                  let template = d["templateId"]?.stringValue else { return }
            let countKey = AtRiskProjection.templateCountKey(caseId, template)
            templateCounts[countKey, default: 0] += 1
            let count = templateCounts[countKey]!
            let loopKey = AtRiskProjection.loopKey(caseId)
            if count == AtRiskProjection.loopThreshold, !loops.contains(loopKey) {
                loops.insert(loopKey)
                update(customer) { $0.formLetterLoops += 1 }
            }
        default:
            return
        }
    }

    /// Like the projection's `update`: a customer's signals exist from the first change on.
    private func update(_ customer: Int, _ change: (inout AtRiskProjection.Signals) -> Void) {
        signals.update(customer, from: .init(), change)
    }

    func tables() -> [@Sendable () -> SortedTable] {
        [customersTable, rankingTable]
    }

    private func customersTable() -> SortedTable {
        let numbers = signals.numbers
        var customers = SortedTable(projection.customers, capacity: numbers.count + templateCounts.count + loops.count)
        for n in numbers { customers.add(AtRiskProjection.customerKey(ids.customers[n].string), signals[n]!.encoded()) }
        for (key, count) in templateCounts { customers.add(key, AtRiskProjection.countValue(count)) }
        for key in loops { customers.add(key, []) }
        return customers.sorted()
    }

    private func rankingTable() -> SortedTable {
        let numbers = signals.numbers
        var ranking = SortedTable(projection.ranking, capacity: numbers.count)
        for n in numbers {
            let cents = signals[n]!.scoreCents
            if cents > 0 { ranking.add(AtRiskProjection.rankKey(cents, ids.customers[n].string), []) }
        }
        return ranking.sorted()
    }
}
