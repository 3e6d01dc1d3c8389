import Foundation
import LMDB

/// `RepeatLinker`'s rule folded in memory for a rebuild: same suggestions, confirmations and hold changes,
/// with each customer's cases per category kept in opening order instead of in the `keys` table.
///
/// Every projection embedding the rule calls `fold` with the same event in turn; the first call folds it and
/// the others get the same answer.
final class RepeatLinkerBulkFold: @unchecked Sendable {
    // @unchecked: one rebuild's, folded by one thread at a time, then only read, but for its two table caches,
    // which are written under their locks (the rule is on `BulkFold`).

    /// Customer and category by their bytes, as the live `keys` prefix holds them (see `UTF8Key`).
    private struct Group: Hashable {
        let customerId: UTF8Key
        let category: UTF8Key

        init(customerId: UTF8Key, category: String) {
            self.customerId = customerId
            self.category = UTF8Key(category)
        }

        init(customerId: String, category: String) {
            self.init(customerId: UTF8Key(customerId), category: category)
        }
    }

    /// By caseId's bytes, as the live `cases` table.
    private var entries: [UTF8Key: RepeatLinker.Entry] = [:]
    /// Per customer and category, the cases in opening order (position, caseId, and caseId's key for `entries`).
    private var groups: [Group: [(position: Int, caseId: String, caseKey: UTF8Key)]] = [:]
    /// `laterPrefix(earlier) ‖ later` keys of active links.
    private var later: Set<[UInt8]> = []

    private var lastPosition = 0
    private var lastChange: RepeatLinker.HoldChange?

    init(cases: Int) {
        entries.reserveCapacity(cases)
    }

    /// Folds `event` in; returns the change of "holds a link" it caused, as `RepeatLinker.apply` does.
    func fold(_ event: RecordedEvent) -> RepeatLinker.HoldChange? {
        if event.position == lastPosition { return lastChange }
        lastChange = foldOnce(event)
        lastPosition = event.position
        return lastChange
    }

    private func foldOnce(_ event: RecordedEvent) -> RepeatLinker.HoldChange? {
        // The case's id as a String (from the event's counted members) only where a rule keeps or returns it.
        guard event.type.isCaseEvent, let caseKey = event.caseKey else { return nil }
        switch event.type {
        case .caseOpened:
            guard let caseId = event.caseId else { return nil }
            return open(caseId, caseKey, event)
        case .caseRecategorized:
            guard let caseId = event.caseId, let category = event.data["category"]?.stringValue, let e = entries[caseKey], e.category != category else { return nil }
            remove(caseKey, from: Group(customerId: e.customerId, category: e.category))
            insert(caseId, caseKey, position: e.openedPosition, into: Group(customerId: e.customerId, category: category))
            entries[caseKey]!.category = category
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            guard let index = entries.index(forKey: caseKey) else { return nil }
            let closed = event.type != .caseReopened
            entries.values[index].closed = closed
            entries.values[index].closedAt = closed ? event.occurredAt : nil
        case .caseLinked:
            guard let caseId = event.caseId, let related = event.data["relatedCaseId"]?.stringValue,
                  let relation = event.data["relation"]?.stringValue, var e = entries[caseKey] else { return nil }
            let held = e.holdsActiveLink
            let status = e.decide(related, relation: relation)
            let laterKey = RepeatLinker.laterPrefix(related) + Array(caseId.utf8)
            if status == .rejected { later.remove(laterKey) } else { later.insert(laterKey) }
            entries[caseKey] = e
            if held != e.holdsActiveLink {
                return RepeatLinker.HoldChange(caseId: caseId, customerId: e.customerId, holds: e.holdsActiveLink)
            }
        default:
            return nil
        }
        return nil
    }

    private func open(_ caseId: String, _ caseKey: UTF8Key, _ event: RecordedEvent) -> RepeatLinker.HoldChange? {
        let customer = event.customerId ?? ""
        var e = RepeatLinker.Entry(customerId: customer, category: event.data["category"]?.stringValue ?? "",
                                   openedPosition: event.position)
        let group = event.customerKey.map { Group(customerId: $0, category: e.category) }
            ?? Group(customerId: customer, category: e.category)
        let windowStart = event.occurredAt.adding(days: -RepeatLinker.window)
        // Newest first, as the reverse scan of `keys` walks them.
        var found: (caseId: String, closedAt: Timestamp?)?
        // `!=` on String, as the live scan's `other == caseId`.
        for candidate in (groups[group] ?? []).reversed() where candidate.caseId != caseId {
            guard let other = entries[candidate.caseKey] else { continue }
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
        if let previous = entries[caseKey] {
            remove(caseKey, from: Group(customerId: previous.customerId, category: previous.category))
        }
        insert(caseId, caseKey, position: event.position, into: group)
        entries[caseKey] = e
        return e.links.isEmpty ? nil : RepeatLinker.HoldChange(caseId: caseId, customerId: customer, holds: true)
    }

    private func insert(_ caseId: String, _ caseKey: UTF8Key, position: Int, into group: Group) {
        guard let index = groups.index(forKey: group) else {
            groups[group] = [(position, caseId, caseKey)]
            return
        }
        // In place. Openings arrive in position order, so this is nearly always an append.
        var i = groups.values[index].count
        while i > 0 && groups.values[index][i - 1].position > position { i -= 1 }
        groups.values[index].insert((position, caseId, caseKey), at: i)
    }

    private func remove(_ caseKey: UTF8Key, from group: Group) {
        guard let index = groups.index(forKey: group) else { return }
        groups.values[index].removeAll { $0.caseKey == caseKey }
        if groups.values[index].isEmpty { groups.remove(at: index) }
    }

    /// The folded tables, built once and handed to every embedding projection. Two threads may ask for them at
    /// once (see `BulkFold.tables`), so each is built under a lock: an NSLock, whose pthread mutex
    /// ThreadSanitizer sees (it cannot see `Mutex`'s futex, see .ci/tsan-suppressions.txt).
    private let casesLock = NSLock(), keysLock = NSLock()
    private var foldedCases: SortedTable?
    private var foldedKeys: SortedTable?

    /// The folded state as `linker`'s tables (see `BulkFold.tables`).
    func tables(for linker: RepeatLinker) -> [@Sendable () -> SortedTable] {
        [{ self.casesTable(linker).moved(to: linker.cases) }, { self.keysTable(linker).moved(to: linker.keys) }]
    }

    private func casesTable(_ linker: RepeatLinker) -> SortedTable {
        casesLock.withLock {
            if let foldedCases { return foldedCases }
            var cases = SortedTable(linker.cases, capacity: entries.count)
            for caseId in byteOrdered(entries.keys) { cases.add(caseId.bytes, entries[caseId]!.encoded()) }
            foldedCases = cases
            return cases
        }
    }

    private func keysTable(_ linker: RepeatLinker) -> SortedTable {
        keysLock.withLock {
            if let foldedKeys { return foldedKeys }
            var keys = SortedTable(linker.keys, capacity: entries.count + later.count)
            for (caseId, e) in entries { keys.add(RepeatLinker.candidateKey(e, caseId.string), RepeatLinker.candidateValue(e)) }
            for k in later { keys.add(k, []) }
            let sorted = keys.sorted()
            foldedKeys = sorted
            return sorted
        }
    }
}
