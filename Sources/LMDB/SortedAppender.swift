import CLMDB

/// Writes keys in ascending order at the end of one database, through one cursor.
///
/// `mdb_put` with `MDB_APPEND` starts a fresh cursor for every key, which walks from the root to the last
/// leaf and looks each page up in the transaction's dirty list; a cursor kept between keys stays on that leaf.
public struct SortedAppender: ~Copyable {
    private let cursor: Cursor
    private let database: Database

    init(transaction: OpaquePointer, database: Database) throws(LMDBError) {
        cursor = try Cursor(transaction: transaction, database: database)
        self.database = database
    }

    /// Adds `key`, which must sort after every key already in the database (else `MDB_KEYEXIST`).
    public func put(rawKey: UnsafeRawBufferPointer, rawValue: UnsafeRawBufferPointer) throws(LMDBError) {
        try cursor.put(rawKey, rawValue, flags: UInt32(MDB_APPEND), "mdb_cursor_put(\(database.name), append)")
    }
}

extension WriteTransaction {
    /// Calls `body` with an appender for `db`; it cannot outlive the call.
    public func appending<R>(to db: Database, _ body: (borrowing SortedAppender) throws -> R) throws -> R {
        let appender = try SortedAppender(transaction: handle, database: db)
        return try body(appender)
    }
}
