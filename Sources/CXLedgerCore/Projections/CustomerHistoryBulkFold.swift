import LMDB

/// customer-history folded in memory for a rebuild: the rules of `CustomerHistoryProjection.apply` on decoded
/// records, with each customer's timeline gathered in position order.
final class CustomerHistoryBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    let projection: CustomerHistoryProjection
    var position = 0
    private let linker: RepeatLinkerBulkFold
    private let ids: FoldIdentifiers
    /// By customer number.
    private var records = DenseMap<CustomerHistoryProjection.Record>()
    /// By case number: the number of the customer it was opened for.
    private var caseOwners: DenseMap<Int>
    /// The timeline as folded: each event's customer number and position, in position order. Appended to one
    /// array rather than an array per customer, whose ends were a cache miss for nearly every event; ordered by
    /// customer when the table is built.
    private var timelineCustomers: [Int32] = []
    private var timelinePositions: [Int] = []

    init(_ projection: CustomerHistoryProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        linker = shared.linker
        ids = shared.ids
        caseOwners = DenseMap(capacity: shared.cases)
    }

    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers) {
        if let change = linker.fold(event, numbers) {
            update(change.customer) { $0.repeatIncidents += change.holds ? 1 : -1 }
        }
        // Only the numbers and the inline members are read for every event; the event's counted members (its
        // data) only where a rule needs them.
        guard let customer = numbers.customer else { return }
        timelineCustomers.append(Int32(customer))
        timelinePositions.append(event.position)
        switch event.type {
        case .customerProfiled:
            let d = event.data
            update(customer) { r in
                if let n = d["name"]?.stringValue { r.name = n }
                if let s = d["segment"]?.stringValue { r.segment = s }
            }
        case .customerInfluenceObserved:
            let d = event.data
            guard let channel = d["channel"]?.stringValue, let n = d["followers"]?.intValue else { return }
            update(customer) { $0.followers.observe(channel: channel, followers: n) }
        case .interactionRecorded:
            let d = event.data
            guard d["public"]?.boolValue == true, d["direction"]?.stringValue == "inbound" else { return }
            update(customer) { $0.publicComplaints += 1 }
        case .caseOpened:
            guard let caseNumber = numbers.caseNumber else { return }
            caseOwners[caseNumber] = customer
            update(customer) { $0.casesOpen += 1 }
        case .caseEscalated:
            update(customer) { $0.escalations += 1 }
        case .caseCloseoutDisputed:
            update(customer) { $0.disputedCloseouts += 1 }
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            guard let caseNumber = numbers.caseNumber, let owner = caseOwners[caseNumber] else { return }
            let closing = event.type != .caseReopened
            update(owner) { r in
                r.casesOpen += closing ? -1 : 1
                r.casesClosed += closing ? 1 : -1
            }
        default:
            return
        }
    }

    /// Like the projection's `update`: a customer's record exists from the first change on.
    private func update(_ customer: Int, _ change: (inout CustomerHistoryProjection.Record) -> Void) {
        records.update(customer, from: .init(), change)
    }

    /// The timeline first: the largest table to write, and in order as gathered.
    func tables() -> [@Sendable () -> SortedTable] {
        [timelineTable, customersTable]
    }

    private func customersTable() -> SortedTable {
        let customers = records.numbers
        var table = SortedTable(projection.customers, capacity: customers.count)
        for n in ids.customersInKeyOrder(customers) {
            table.add(CustomerHistoryProjection.customerKey(ids.customers[n].bytes), records[n]!.encoded())
        }
        return table.sorted()
    }

    private func timelineTable() -> SortedTable {
        // Positions grouped by customer, each group still in position order (a counting sort, which is stable).
        var starts = [Int](repeating: 0, count: ids.customers.count + 1)
        for c in timelineCustomers { starts[Int(c) + 1] += 1 }
        for c in ids.customers.indices { starts[c + 1] += starts[c] }
        var next = starts
        var grouped = [Int](repeating: 0, count: timelinePositions.count)
        for (c, position) in zip(timelineCustomers, timelinePositions) {
            grouped[next[Int(c)]] = position
            next[Int(c)] += 1
        }
        // customerId ‖ 00 ‖ first position → a run of positions: identifiers hold no NUL, so byte order of the
        // ids is the order of their keys. Each customer's positions are cut into runs as live appends fill them.
        let runs = grouped.count / CustomerHistoryProjection.timelineRun + ids.customers.count
        var timeline = SortedTable(projection.timeline, capacity: runs)
        var run: [UInt8] = []
        for c in ids.customersInKeyOrder(ids.customers.indices.filter { starts[$0] < starts[$0 + 1] }) {
            let bytes = ids.customers[c].bytes
            var first = starts[c]
            while first < starts[c + 1] {
                let end = min(first + CustomerHistoryProjection.timelineRun, starts[c + 1])
                run.removeAll(keepingCapacity: true)
                for position in grouped[first..<end] { CustomerHistoryProjection.appendPosition(position, to: &run) }
                let start = grouped[first]
                timeline.add(key: { CustomerHistoryProjection.appendTimelineKey(bytes, start, to: &$0) }, run)
                first = end
            }
        }
        return timeline.sorted()
    }
}
