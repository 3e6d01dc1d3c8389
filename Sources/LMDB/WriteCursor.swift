import CLMDB

/// A cursor of a write transaction: finds an entry, then rewrites it where it found it.
///
/// Reading a value and storing its successor with `get` and `put` walks the tree twice; replacing the entry
/// under the cursor walks it once.
public struct WriteCursor: ~Copyable {
    private let cursor: Cursor
    private let database: Database

    init(transaction: OpaquePointer, database: Database) throws(LMDBError) {
        cursor = try Cursor(transaction: transaction, database: database)
        self.database = database
    }

    /// Moves to the last entry whose key is at most `key`, and returns it (nil, and nowhere, when there is none).
    /// The buffers are valid until the cursor moves or writes.
    public func last(atMost key: UnsafeRawBufferPointer) throws(LMDBError) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let after = try cursor.seek(atLeast: key) else { return try cursor.last() }
        if after.0.elementsEqual(key) { return after }
        return try cursor.previous()
    }

    /// Stores `value` in place of the entry the cursor is on, whose key is `key`; the value's size may change.
    /// `key` and `value` must not point into the database's pages.
    public func replaceCurrent(rawKey key: UnsafeRawBufferPointer, rawValue value: UnsafeRawBufferPointer) throws(LMDBError) {
        try cursor.put(key, value, flags: UInt32(MDB_CURRENT), "mdb_cursor_put(\(database.name), current)")
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
}
