import LMDB

/// `RepeatLinker`'s rule folded in memory for a rebuild: same suggestions, confirmations and hold changes,
/// with each customer's cases per category kept in opening order instead of in the `keys` table.
///
/// Every fold that needs the rule (repeat-incidents, and the ones counting its hold changes) calls `fold` with
/// the same event in turn; the first call folds it and the others get the same answer.
final class RepeatLinkerBulkFold: @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read (the rule is on `BulkFold`).

    /// Customer (by number) and category (by its bytes, as the live `keys` prefix holds them, see `UTF8Key`).
    private struct Group: Hashable {
        let customer: Int
        let category: UTF8Key

        init(_ customer: Int, _ category: String) {
            self.customer = customer
            self.category = UTF8Key(category)
        }
    }

    /// A case's entry, with the number of the customer it was opened for.
    private struct Numbered {
        var entry: RepeatLinker.Entry
        let customer: Int
    }

    /// A change of "holds a link", as `RepeatLinker.HoldChange`, for the customer numbered `customer`.
    struct HoldChange {
        let customer: Int
        let caseNumber: Int
        let holds: Bool
    }

    private let ids: FoldIdentifiers
    /// By case number.
    private var entries: DenseMap<Numbered>
    /// Per customer and category, the cases in opening order (position, caseId, and the case's number).
    private var groups: [Group: [(position: Int, caseId: String, caseNumber: Int)]] = [:]
    /// `laterPrefix(earlier) ‖ later` keys of active links.
    private var later: Set<[UInt8]> = []

    private var lastPosition = 0
    private var lastChange: HoldChange?
    /// Every change, in position order: repeat-incidents' `holds` table.
    private var changes: [(position: Int, change: HoldChange)] = []

    init(_ ids: FoldIdentifiers, cases: Int) {
        self.ids = ids
        entries = DenseMap(capacity: cases)
    }

    /// Folds `event` in; returns the change of "holds a link" it caused, as `RepeatLinker.apply` does.
    func fold(_ event: RecordedEvent, _ numbers: FoldNumbers) -> HoldChange? {
        if event.position == lastPosition { return lastChange }
        lastChange = foldOnce(event, numbers)
        lastPosition = event.position
        if let lastChange { changes.append((event.position, lastChange)) }
        return lastChange
    }

    private func foldOnce(_ event: RecordedEvent, _ numbers: FoldNumbers) -> HoldChange? {
        // The case's id as a String (from the event's counted members) only where a rule keeps or returns it.
        guard event.type.isCaseEvent, let number = numbers.caseNumber else { return nil }
        switch event.type {
        case .caseOpened:
            guard let caseId = event.caseId else { return nil }
            return open(caseId, number, event, numbers)
        case .caseRecategorized:
            guard let caseId = event.caseId, let category = event.data["category"]?.stringValue, let e = entries[number],
                  e.entry.category != category else { return nil }
            remove(number, from: Group(e.customer, e.entry.category))
            insert(caseId, number, position: e.entry.openedPosition, into: Group(e.customer, category))
            entries.updateIfPresent(number) { $0.entry.category = category }
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            let closed = event.type != .caseReopened
            entries.updateIfPresent(number) { e in
                e.entry.closed = closed
                e.entry.closedAt = closed ? event.occurredAt : nil
            }
        case .caseLinked:
            guard let caseId = event.caseId, let related = event.data["relatedCaseId"]?.stringValue,
                  let relation = event.data["relation"]?.stringValue, var e = entries[number] else { return nil }
            let held = e.entry.holdsActiveLink
            let status = e.entry.decide(related, relation: relation)
            let laterKey = RepeatLinker.laterPrefix(related) + Array(caseId.utf8)
            if status == .rejected { later.remove(laterKey) } else { later.insert(laterKey) }
            entries[number] = e
            if held != e.entry.holdsActiveLink {
                return HoldChange(customer: e.customer, caseNumber: number, holds: e.entry.holdsActiveLink)
            }
        default:
            return nil
        }
        return nil
    }

    private func open(_ caseId: String, _ number: Int, _ event: RecordedEvent, _ numbers: FoldNumbers) -> HoldChange? {
        // An opening always names a customer; were one not to, it would be the customer "", as live.
        let customer = numbers.customer ?? ids.customer(UTF8Key(""))
        var e = RepeatLinker.Entry(customerId: event.customerId ?? "", category: event.data["category"]?.stringValue ?? "",
                                   openedPosition: event.position)
        let group = Group(customer, e.category)
        let windowStart = event.occurredAt.adding(days: -RepeatLinker.window)
        // Newest first, as the reverse scan of `keys` walks them.
        var found: (caseId: String, closedAt: Timestamp?)?
        // `!=` on String, as the live scan's `other == caseId`.
        for candidate in (groups[group] ?? []).reversed() where candidate.caseId != caseId {
            guard let other = entries[candidate.caseNumber]?.entry else { continue }
            let closedAt = other.closed ? other.closedAt : nil
            if let closedAt, closedAt < windowStart { continue }
            found = (candidate.caseId, closedAt)
            break
        }
        if let found {
            e.links.append(RepeatLink(relatedCaseId: found.caseId, status: .suggested, relation: nil,
                                      basis: .init(category: e.category, relatedClosedAt: found.closedAt)))
            later.insert(RepeatLinker.laterPrefix(found.caseId) + Array(caseId.utf8))
        }
        if let previous = entries[number] {
            remove(number, from: Group(previous.customer, previous.entry.category))
        }
        insert(caseId, number, position: event.position, into: group)
        entries[number] = Numbered(entry: e, customer: customer)
        return e.links.isEmpty ? nil : HoldChange(customer: customer, caseNumber: number, holds: true)
    }

    private func insert(_ caseId: String, _ number: Int, position: Int, into group: Group) {
        guard let index = groups.index(forKey: group) else {
            groups[group] = [(position, caseId, number)]
            return
        }
        // In place. Openings arrive in position order, so this is nearly always an append.
        var i = groups.values[index].count
        while i > 0 && groups.values[index][i - 1].position > position { i -= 1 }
        groups.values[index].insert((position, caseId, number), at: i)
    }

    private func remove(_ number: Int, from group: Group) {
        guard let index = groups.index(forKey: group) else { return }
        groups.values[index].removeAll { $0.caseNumber == number }
        if groups.values[index].isEmpty { groups.remove(at: index) }
    }

    /// The folded state as repeat-incidents' tables (see `BulkFold.tables`).
    func tables(for projection: RepeatIncidentsProjection) -> [@Sendable () -> SortedTable] {
        [{ self.casesTable(projection.linker) }, { self.keysTable(projection.linker) }, { self.holdsTable(projection.holds) }]
    }

    private func casesTable(_ linker: RepeatLinker) -> SortedTable {
        let numbers = entries.numbers
        var cases = SortedTable(linker.cases, capacity: numbers.count)
        for n in ids.casesInKeyOrder(numbers) { cases.add(ids.cases[n].bytes, entries[n]!.entry.encoded()) }
        return cases
    }

    private func holdsTable(_ holds: RepeatHoldLog) -> SortedTable {
        var table = SortedTable(holds.db, capacity: changes.count)
        for (position, c) in changes {
            let change = RepeatLinker.HoldChange(caseId: ids.cases[c.caseNumber].string,
                                                 customerId: ids.customers[c.customer].string, holds: c.holds)
            table.add(key: { key in withUnsafeBytes(of: UInt64(position).bigEndian) { key.append(contentsOf: $0) } },
                      RepeatHoldLog.value(change))
        }
        return table
    }

    private func keysTable(_ linker: RepeatLinker) -> SortedTable {
        // A candidate key is its group's prefix, then the opening position, and each group keeps its cases in
        // opening order; no group's prefix extends another's. So only the groups are sorted, not every key
        // (sorting every key was a third of the table builders' time); `sorted()` below checks the order. Each key
        // is written straight into the table from the group's prefix: made as arrays of their own, the keys took
        // as long as all the other tables of the rule together.
        let numbers = entries.numbers
        let sortedGroups = groups.values.compactMap { cases -> (prefix: [UInt8], cases: [(position: Int, caseId: String, caseNumber: Int)])? in
            guard let first = cases.first, let e = entries[first.caseNumber]?.entry else { return nil }
            return (RepeatLinker.categoryPrefix(e.customerId, e.category), cases)
        }
        .sorted { bytesPrecede($0.prefix, $1.prefix) }
        var keys = SortedTable(linker.keys, capacity: numbers.count + later.count)
        if sortedGroups.reduce(0, { $0 + $1.cases.count }) == numbers.count {
            for group in sortedGroups {
                for c in group.cases {
                    let e = entries[c.caseNumber]!.entry
                    keys.add(key: { key in
                        key.append(contentsOf: group.prefix)
                        ids.cases[c.caseNumber].withBytes { RepeatLinker.appendCandidateKeyTail(e.openedPosition, $0, to: &key) }
                    }, RepeatLinker.candidateValue(e))
                }
            }
        } else {
            // Every opened case is in a group; were one not, the keys are taken in any order and sorted whole.
            for n in numbers {
                let e = entries[n]!.entry
                keys.add(RepeatLinker.candidateKey(e, ids.cases[n].string), RepeatLinker.candidateValue(e))
            }
        }
        for k in later.sorted(by: bytesPrecede) { keys.add(k, []) }
        return keys.sorted()
    }
}
