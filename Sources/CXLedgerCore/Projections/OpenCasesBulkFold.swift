import LMDB

/// open-cases folded in memory for a rebuild: the rules of `OpenCasesProjection.apply` on decoded records,
/// with the urgency index derived from the final records.
final class OpenCasesBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    let projection: OpenCasesProjection
    var position = 0
    /// The `settings` table as it stands: segment and policy keys to their stored bytes.
    private var settings: [[UInt8]: [UInt8]] = [:]
    /// By case number.
    private var records: DenseMap<CaseRecord>
    private let ids: FoldIdentifiers

    init(_ projection: OpenCasesProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        ids = shared.ids
        records = DenseMap(capacity: shared.cases)
    }

    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers) {
        switch event.type {
        case .customerProfiled:
            if let segment = event.data["segment"]?.stringValue, let customer = event.customerId {
                settings[OpenCasesProjection.segmentKey(customer)] = Array(segment.utf8)
            }
        case .slaPolicySet:
            guard let segment = event.data["segment"]?.stringValue, let policy = SLAPolicy(data: event.data) else { return }
            settings[OpenCasesProjection.policyKey(segment, event.data["channel"]?.stringValue)] = OpenCasesProjection.policyBytes(policy)
        case .customerInfluenceObserved, .reviewHeld:
            return
        default:
            guard let number = numbers.caseNumber else { return }
            if event.type == .caseOpened {
                let segment = event.customerId.flatMap { settings[OpenCasesProjection.segmentKey($0)] }
                    .map { String(decoding: $0, as: UTF8.self) }
                records[number] = CaseFold.opened(event, segment: segment,
                                                  policy: segment.flatMap { policy(segment: $0, channel: event.data["channel"]?.stringValue) })
            } else {
                records.updateIfPresent(number) { CaseFold.apply(event, to: &$0) }
            }
        }
    }

    /// The same choice as `OpenCasesProjection.policy`.
    private func policy(segment: String, channel: String?) -> SLAPolicy? {
        func read(_ key: [UInt8]) -> SLAPolicy? { settings[key].flatMap(OpenCasesProjection.policy(from:)) }
        if let channel, let p = read(OpenCasesProjection.policyKey(segment, channel)) { return p }
        return read(OpenCasesProjection.policyKey(segment, nil))
    }

    func tables() -> [@Sendable () -> SortedTable] {
        [settingsTable, casesTable, urgencyTable]
    }

    private func settingsTable() -> SortedTable {
        var table = SortedTable(projection.settings, capacity: settings.count)
        for (k, v) in settings { table.add(k, v) }
        return table.sorted()
    }

    private func casesTable() -> SortedTable {
        let numbers = records.numbers
        var cases = SortedTable(projection.cases, capacity: numbers.count)
        for n in ids.casesInKeyOrder(numbers) { cases.add(ids.cases[n].bytes, records[n]!.encoded()) }
        return cases
    }

    private func urgencyTable() -> SortedTable {
        let numbers = records.numbers
        var urgency = SortedTable(projection.urgency)
        for n in numbers {
            guard let r = records[n], !r.isClosed else { continue }
            let key = UrgencyKey(r), caseId = ids.cases[n].bytes
            urgency.add(OpenCasesProjection.globalKey(key), caseId)
            urgency.add(OpenCasesProjection.customerPrefix(r.customerId) + key.bytes, caseId)
        }
        return urgency.sorted()
    }
}
