import LMDB

/// The ids of the newest events, which the id index (`log.ids`) does not hold yet: kept in memory by the writer
/// and merged into the index in sorted batches.
///
/// Random (version 4) ids put each appended event in another leaf of the index, and copying a leaf per event
/// was most of what a commit wrote: 40 KB an event, and half the append rate of time-ordered ids. The newest
/// ids are in the log already, so the index may lag it: `ids-through` in `log.meta` says up to which position
/// the index is complete, and the ids after it are read back from the log when a writer first needs them.
/// Merged many at a time and in key order, each leaf of the index is copied once for many ids. An id that sorts
/// after every id in the index while none is held here goes straight in, as time-ordered ids (UUIDv7) from one
/// sender do: appended at the index's end, they cost a leaf for many ids already.
final class RecentIds: @unchecked Sendable {
    // @unchecked: used only on the environment's writer thread, inside its write transactions.

    /// How many ids are kept before they are merged into the index.
    let mergeEvery: Int
    private var positions: [UTF8Key: Int] = [:]
    /// The same ids in position order from `first` on: what to drop once the index holds them, or once the
    /// transaction that added them turns out not to have committed.
    private var order: [(position: Int, key: UTF8Key)] = []
    private var first = 0
    /// The greatest id in the index, in the current transaction (nil: the index is empty).
    private var indexEnd: UTF8Key?
    /// The last position whose id went straight into the index in the current transaction.
    private var straightThrough: Int?

    static let metaKey = "ids-through"

    init(mergeEvery: Int) {
        self.mergeEvery = max(1, mergeEvery)
    }

    /// The position of the event with id `key`, when it is one of the ids held here.
    func position(of key: UTF8Key) -> Int? { positions[key] }

    /// Whether `key` sorts after every id in the index, so that the index cannot hold it: a new time-ordered id
    /// is known to be new without a walk down the index. Valid in the transaction `sync` began (a merge moves the
    /// index's end only at the end of a transaction).
    func sortsAfterIndex(_ key: UTF8Key) -> Bool {
        indexEnd.map { $0.precedes(key) } ?? true
    }

    /// Takes the id of the event appended at `position` in the current transaction: straight into the index
    /// when that appends it at the end and no id is held (so the index holds every id before it), else here.
    func add(_ key: UTF8Key, at position: Int, log: EventLog, in txn: borrowing WriteTransaction) throws {
        guard order.count == first, indexEnd.map({ $0.precedes(key) }) ?? true else {
            hold(key, at: position)
            return
        }
        try key.withBytes { try txn.put(log.databases.ids, key: $0, value: BigEndianKey(position)) }
        indexEnd = key
        straightThrough = position
    }

    private func hold(_ key: UTF8Key, at position: Int) {
        positions[key] = position
        order.append((position, key))
    }

    /// Brings the ids held here in line with `txn`, whose log ends at `head`: drops those a transaction added
    /// without committing (past the head), drops those the index now holds, and reads back from the log those
    /// it holds neither here nor in the index (when the writer starts, or another writer appended).
    func sync(head: Int, log: EventLog, in txn: borrowing WriteTransaction) throws {
        let indexed = try indexedThrough(head: head, log: log, in: txn)
        while order.count > first, let last = order.last, last.position > head {
            order.removeLast()
            if positions[last.key] == last.position { positions[last.key] = nil }
        }
        if let last = order.last, last.position <= indexed {
            // A merge of everything held committed, as it usually has: let go of it all at once.
            positions.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            first = 0
        }
        while first < order.count, order[first].position <= indexed {
            if positions[order[first].key] == order[first].position { positions[order[first].key] = nil }
            first += 1
        }
        if first > 0 && first * 2 >= order.count {
            order.removeFirst(first)
            first = 0
        }
        // Held here or by the index: every id through the last one held, or through the mark.
        let known = max(order.last?.position ?? indexed, indexed)
        if known < head {
            try log.forEachEnvelope(from: known + 1, to: head, in: txn) { position, record in
                hold(UTF8Key(try RecordedEvent(storedAt: position, record: record).id), at: position)
                return true
            }
        }
        indexEnd = try txn.last(log.databases.ids).map { UTF8Key(bytes: $0.key) }
        straightThrough = nil
    }

    /// Ends the transaction's part: moves `ids-through` past the ids that went straight in, and once
    /// `mergeEvery` are held, writes them all into the index in key order and moves it to the last of them.
    /// They are let go of when a later transaction finds the mark committed.
    func finishTransaction(log: EventLog, in txn: borrowing WriteTransaction) throws {
        // Ids held here all came after the last one that went straight in, so the index holds every id up to it.
        if let straightThrough {
            try txn.put(log.databases.meta, key: Self.metaKey, value: BigEndianKey(straightThrough))
        }
        guard order.count - first >= mergeEvery, let last = order.last else { return }
        let batch = order[first...].sorted { $0.key.precedes($1.key) }
        for entry in batch {
            try entry.key.withBytes { key in
                try txn.put(log.databases.ids, key: key, value: BigEndianKey(entry.position))
            }
        }
        try txn.put(log.databases.meta, key: Self.metaKey, value: BigEndianKey(last.position))
    }

    /// Up to which position the index holds every id. A log written before the index could lag held every id
    /// in it, so a log without the key gets it here, at its head, in the transaction about to append past it.
    private func indexedThrough(head: Int, log: EventLog, in txn: borrowing WriteTransaction) throws -> Int {
        if let value = try txn.get(log.databases.meta, key: Self.metaKey),
           let position = value.withUnsafeBytes({ BigEndianKey.decode($0) }) {
            return Int(position)
        }
        try txn.put(log.databases.meta, key: Self.metaKey, value: BigEndianKey(head))
        return head
    }
}
