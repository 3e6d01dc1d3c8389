/// One share of a rebuild's in-memory fold: the events of the customers whose keys fall to it, folded into bulk
/// folds of its own on one thread, while the other shares fold theirs on other threads.
///
/// Every fold keeps its state by customer or by case, and a case's events name a customer, so the shares fold
/// apart and their tables are merged afterwards. Before, one thread folded some projections and another thread the
/// others, both over every event: each event's reference count bounced between the two cores for every fold, and
/// each thread's dictionaries held every case. Events naming no customer, and `sla.policy_set` even when it names
/// one, go to every share, so each holds the same policies; where two shares fold an event alike, their tables
/// hold the same entries, which the merge keeps once.
///
/// The log does not require a case's later events to name the customer that opened it. A share given an event
/// of a case it never saw opened throws `StrayCase`, and the rebuild folds again in a single share.
final class FoldPartition: @unchecked Sendable {
    // @unchecked: a share is folded by one thread, then only read by the threads building its tables, after the
    // rebuild has waited for the folding thread (see `BulkFold`).

    /// An event of a case whose opening went to another share.
    struct StrayCase: Error {}

    let index: Int
    let count: Int
    /// The bulk folds of the rebuilt projections, in the order given.
    let folds: [any BulkFold]
    /// The share's customers and cases, numbered for its folds.
    private let ids: FoldIdentifiers

    /// Share `index` of `count`; `cases` is how many cases the log holds.
    init(_ index: Int, of count: Int, folding projections: [any BulkFoldable], cases: Int) {
        self.index = index
        self.count = count
        let shared = BulkFoldShared(cases: cases / count + 1)
        ids = shared.ids
        folds = projections.map { $0.makeBulkFold(shared) }
    }

    /// Folds the events of `events` that fall to this share into every fold, each event into every fold in turn
    /// (the folds sharing the repeat-incident rule rely on that order).
    func fold(_ events: [RecordedEvent]) throws {
        for i in events.indices {
            // Only what the event holds inline is read before it is known to fall here, so the events falling to
            // other shares are not copied (a reference count each).
            let type = events[i].type
            guard takes(type, events[i].customerSpread) else { continue }
            var caseNumber: Int?
            if let caseKey = events[i].caseKey {
                caseNumber = type == .caseOpened ? ids.opening(caseKey) : ids.opened(caseKey)
                if caseNumber == nil && count > 1 { throw StrayCase() }
            }
            // A policy naming a customer reaches every share, but only the customer's own share numbers it: the
            // others' timelines would each start a run of their own for it (no fold reads a policy's customer
            // otherwise).
            let owned = type != .slaPolicySet || owns(events[i].customerSpread)
            let numbers = FoldNumbers(customer: owned ? events[i].customerKey.map(ids.customer) : nil, caseNumber: caseNumber)
            // One copy for all the folds, rather than one for each.
            let event = events[i]
            for fold in folds { fold.apply(event, numbers) }
        }
    }

    /// Whether an event of `type`, whose customer key spreads to `spread` (nil: no customer), falls to this share.
    private func takes(_ type: EventType, _ spread: UInt64?) -> Bool {
        type == .slaPolicySet || owns(spread)
    }

    /// Whether the customer whose key spreads to `spread` (nil: no customer) is this share's.
    private func owns(_ spread: UInt64?) -> Bool {
        guard count > 1, let spread else { return true }
        return spread % UInt64(count) == UInt64(index)
    }

    /// Whether two shares opened the same case (the log refuses a second opening, so only a log written against
    /// its rules has one): folded apart, the two openings would not see each other.
    static func overlap(_ shares: [FoldPartition]) -> Bool {
        for (a, first) in shares.enumerated() {
            for second in shares[(a + 1)...] where first.ids.sharesCases(with: second.ids) { return true }
        }
        return false
    }

    /// The tables of the shares' folds, in the order of the folds: for each table, the part each share builds.
    static func tables(of shares: [FoldPartition]) -> [[@Sendable () -> SortedTable]] {
        let perShare = shares.map { $0.folds.flatMap { $0.tables() } }
        return (perShare.first ?? []).indices.map { t in perShare.map { $0[t] } }
    }
}
