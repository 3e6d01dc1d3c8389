import LMDB

/// customer-history folded in memory for a rebuild: the rules of `CustomerHistoryProjection.apply` on decoded
/// records, with each customer's timeline gathered in position order.
final class CustomerHistoryBulkFold: BulkFold, @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    let projection: CustomerHistoryProjection
    var position = 0
    private let linker: RepeatLinkerBulkFold
    // Keyed by bytes, as the live tables are (see `UTF8Key`).
    private var records: [UTF8Key: CustomerHistoryProjection.Record] = [:]
    /// caseId → the customer it was opened for, and whether it is closed (the `02` keys).
    private var caseOwners: [UTF8Key: (customer: UTF8Key, closed: Bool)] = [:]
    /// customerId → the positions of its timeline, ascending.
    private var timelines: [UTF8Key: [Int]] = [:]

    init(_ projection: CustomerHistoryProjection, _ shared: BulkFoldShared) {
        self.projection = projection
        linker = shared.linker
        caseOwners.reserveCapacity(shared.cases)
    }

    func fold(_ event: RecordedEvent) {
        if let change = linker.fold(event) {
            update(UTF8Key(change.customerId)) { $0.repeatIncidents += change.holds ? 1 : -1 }
        }
        // Only the prepared keys and the inline members are read for every event; the event's counted members
        // (its data) only where a rule needs them, since the fold thread beside this one holds the same events.
        guard let customerKey = event.customerKey else { return }
        timelines[customerKey, default: []].append(event.position)
        switch event.type {
        case .customerProfiled:
            let d = event.data
            update(customerKey) { r in
                if let n = d["name"]?.stringValue { r.name = n }
                if let s = d["segment"]?.stringValue { r.segment = s }
            }
        case .customerInfluenceObserved:
            let d = event.data
            guard let channel = d["channel"]?.stringValue, let n = d["followers"]?.intValue else { return }
            update(customerKey) { $0.followers.observe(channel: channel, followers: n) }
        case .interactionRecorded:
            let d = event.data
            guard d["public"]?.boolValue == true, d["direction"]?.stringValue == "inbound" else { return }
            update(customerKey) { $0.publicComplaints += 1 }
        case .caseOpened:
            guard let caseKey = event.caseKey else { return }
            caseOwners[caseKey] = (customerKey, false)
            update(customerKey) { $0.casesOpen += 1 }
        case .caseEscalated:
            update(customerKey) { $0.escalations += 1 }
        case .caseCloseoutDisputed:
            update(customerKey) { $0.disputedCloseouts += 1 }
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            guard let caseKey = event.caseKey, let index = caseOwners.index(forKey: caseKey) else { return }
            let owner = caseOwners.values[index].customer
            let closing = event.type != .caseReopened
            caseOwners.values[index].closed = closing
            update(owner) { r in
                r.casesOpen += closing ? -1 : 1
                r.casesClosed += closing ? 1 : -1
            }
        default:
            return
        }
    }

    /// Like the projection's `update`: a customer's record exists from the first change on.
    private func update(_ customer: UTF8Key, _ change: (inout CustomerHistoryProjection.Record) -> Void) {
        change(&records[customer, default: .init()])
    }

    /// The timeline first: the largest table to write, and in order as gathered.
    func tables() -> [@Sendable () -> SortedTable] {
        [timelineTable, customersTable] + linker.tables(for: projection.linker)
    }

    private func customersTable() -> SortedTable {
        // `01` ‖ customerId sorts before every `02` ‖ caseId.
        var customers = SortedTable(projection.customers, capacity: records.count + caseOwners.count)
        for customer in byteOrdered(records.keys) {
            customers.add(CustomerHistoryProjection.customerKey(customer.bytes), records[customer]!.encoded())
        }
        for caseId in byteOrdered(caseOwners.keys) {
            let owner = caseOwners[caseId]!
            customers.add(CustomerHistoryProjection.caseKey(caseId.bytes), CustomerHistoryProjection.caseValue(owner.customer.string, closed: owner.closed))
        }
        return customers.sorted()
    }

    private func timelineTable() -> SortedTable {
        // customerId ‖ 00 ‖ position: identifiers hold no NUL, so byte order of the ids is the order of their keys.
        var timeline = SortedTable(projection.timeline, capacity: position)
        for customer in byteOrdered(timelines.keys) {
            let bytes = customer.bytes
            for position in timelines[customer]! {
                timeline.add(key: { CustomerHistoryProjection.appendTimelineKey(bytes, position, to: &$0) }, [])
            }
        }
        return timeline.sorted()
    }
}
