import CLMDB

/// A cursor of a write transaction: it appends keys in order at the end of a database, or finds an entry and
/// rewrites it where it found it.
///
/// Both save walks down the tree. `mdb_put` with `MDB_APPEND` starts a fresh cursor for every key, which walks
/// from the root to the last leaf and looks each page up in the transaction's dirty list, where a cursor kept
/// between keys stays on that leaf; and reading a value and storing its successor with `get` and `put` walks
/// the tree twice, where replacing the entry under the cursor walks it once.
public struct WriteCursor: ~Copyable {
    private let cursor: Cursor
    private let database: Database

    init(transaction: OpaquePointer, database: Database) throws(LMDBError) {
        cursor = try Cursor(transaction: transaction, database: database)
        self.database = database
    }

    /// Moves to the last entry whose key is at most `key`, and returns it, or nil when there is none. The buffers
    /// are valid until the cursor moves or writes.
    public func last(atMost key: UnsafeRawBufferPointer) throws(LMDBError) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let after = try cursor.seek(atLeast: key) else { return try cursor.last() }
        if after.0.elementsEqual(key) { return after }
        return try cursor.previous()
    }

    /// Stores `value` in place of the entry the cursor is on, whose key is `key`; the value's size may change.
    /// `key` and `value` must not point into the database's pages.
    ///
    /// LMDB itself does not check the key: it would put `key` where the cursor's entry was, out of order (after a
    /// `last(atMost:)` that found nothing, the cursor is still on the first entry). So it is checked here, and a
    /// cursor on another key, or on none, fails with `EINVAL` and writes nothing.
    public func replaceCurrent(rawKey key: UnsafeRawBufferPointer, rawValue value: UnsafeRawBufferPointer) throws(LMDBError) {
        let operation = "mdb_cursor_put(\(database.name), current)"
        let onKey: Bool
        do {
            onKey = try cursor.current().map { $0.0.elementsEqual(key) } ?? false
        } catch {
            // MDB_GET_CURRENT on a cursor that was never positioned.
            onKey = false
        }
        guard onKey else { throw LMDBError(code: 22 /* EINVAL */, operation: operation + ": the cursor is not on that key") }
        try cursor.put(key, value, flags: UInt32(MDB_CURRENT), operation)
    }

    /// Adds `key`, which must sort after every key already in the database (else `MDB_KEYEXIST`).
    public func append(rawKey key: UnsafeRawBufferPointer, rawValue value: UnsafeRawBufferPointer) throws(LMDBError) {
        try cursor.put(key, value, flags: UInt32(MDB_APPEND), "mdb_cursor_put(\(database.name), append)")
    }

    /// Stores `value` under `key`, wherever it sorts; the cursor ends up on it.
    public func put(rawKey key: UnsafeRawBufferPointer, rawValue value: UnsafeRawBufferPointer) throws(LMDBError) {
        try cursor.put(key, value, flags: 0, "mdb_cursor_put(\(database.name))")
    }
}

extension WriteTransaction {
    /// Calls `body` with a cursor on `db`; it cannot outlive the call.
    public func withCursor<R>(_ db: Database, _ body: (borrowing WriteCursor) throws -> R) throws -> R {
        let cursor = try WriteCursor(transaction: handle, database: db)
        return try body(cursor)
    }

    /// Calls `body` with a cursor for appending to `db` in key order (`WriteCursor.append`).
    public func appending<R>(to db: Database, _ body: (borrowing WriteCursor) throws -> R) throws -> R {
        try withCursor(db, body)
    }
}
