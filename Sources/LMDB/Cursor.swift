import CLMDB

/// A position in a database, closed when it goes out of scope.
struct Cursor: ~Copyable {
    private let handle: OpaquePointer

    init(transaction: OpaquePointer, database: Database) throws(LMDBError) {
        var c: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(transaction, database.dbi, &c), "mdb_cursor_open(\(database.name))")
        handle = c!
    }

    deinit { mdb_cursor_close(handle) }

    private func get(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(LMDBError)
        -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_cursor_get")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    func first() throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? { try get(MDB_FIRST) }
    func last() throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? { try get(MDB_LAST) }
    func next() throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? { try get(MDB_NEXT) }
    func previous() throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? { try get(MDB_PREV) }
    func current() throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? { try get(MDB_GET_CURRENT) }
    func seek(atLeast key: UnsafeRawBufferPointer) throws(LMDBError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        try get(MDB_SET_RANGE, key: key)
    }

    /// Stores `key` and `value` with `mdb_cursor_put`; only cursors of write transactions may.
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: UInt32,
             _ operation: @autoclosure () -> String) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_cursor_put(handle, &k, &v, flags), operation())
    }
}
