import LMDB

/// repeat-incidents' `holds` table: position → the change of "holds a suggested or confirmed link" the event at
/// that position caused, if any. customer-history and at-risk count these per customer; reading them here,
/// instead of each running the rule over two tables of its own, stores the rule's state once (the three copies
/// were over half the pages a rebuild wrote, and a quarter of what an append wrote).
///
/// Value: holds (1 byte), then the customer and the case as `ByteWriter` strings.
public struct RepeatHoldLog: Sendable {
    let db: Database

    init(_ db: Database) {
        self.db = db
    }

    /// Whether an event of `type` can change a hold: the rule suggests links at opening, and people decide
    /// them with `case.linked`. Others need no lookup.
    static func mayChange(_ type: EventType) -> Bool {
        type == .caseOpened || type == .caseLinked
    }

    static func value(_ change: RepeatLinker.HoldChange) -> [UInt8] {
        var w = ByteWriter(capacity: 2 + change.customerId.utf8.count + change.caseId.utf8.count + 16)
        w.bool(change.holds)
        w.string(change.customerId)
        w.string(change.caseId)
        return w.bytes
    }

    func record(_ change: RepeatLinker.HoldChange, at position: Int, in txn: borrowing WriteTransaction) throws {
        // Not MDB_APPEND: a fold that starts again below its checkpoint rewrites the same entries.
        try txn.put(db, key: BigEndianKey(position), value: Self.value(change))
    }

    /// The change the event at `position` (of `type`) caused, or nil, for `projection` folding it with `log`, which
    /// is nil when `projection` was bound for queries only: such an instance must not fold.
    static func change(at position: Int, of type: EventType, in log: RepeatHoldLog?, for projection: String,
                       _ txn: borrowing some ReadableTransaction & ~Copyable) throws -> RepeatLinker.HoldChange? {
        guard let log else { throw LedgerError.boundForQueries(projection) }
        return try log.change(at: position, of: type, in: txn)
    }

    /// The change the event at `position` (of `type`) caused, or nil.
    func change(at position: Int, of type: EventType, in txn: borrowing some ReadableTransaction & ~Copyable) throws
        -> RepeatLinker.HoldChange? {
        guard Self.mayChange(type) else { return nil }
        return try BigEndianKey(position).withBytes { key in
            try txn.withValue(db, key: key) { raw -> RepeatLinker.HoldChange? in
                guard let raw else { return nil }
                var r = ByteReader(raw)
                let holds = r.bool(), customerId = r.string(), caseId = r.string()
                guard r.isValid else {
                    throw LedgerError(code: .invalidEvent,
                                      message: "repeat-incidents' stored change at position \(position) is damaged; run cxledger-rebuild repeat-incidents --check",
                                      field: "position")
                }
                return RepeatLinker.HoldChange(caseId: caseId, customerId: customerId, holds: holds)
            }
        }
    }
}
