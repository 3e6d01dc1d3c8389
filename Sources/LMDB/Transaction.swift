import CLMDB

/// What every transaction can do: read keys and walk cursors.
///
/// Transactions are non-copyable and only ever lent to a closure, so one can neither
/// outlive its scope nor be carried across an `await`. Buffers they hand out are valid
/// only inside the same closure.
public protocol ReadableTransaction: ~Copyable {
    var handle: OpaquePointer { get }
}

extension ReadableTransaction where Self: ~Copyable {
    /// Calls `body` with the value stored under `key`, or nil.
    public func withValue<R>(_ db: Database, key: UnsafeRawBufferPointer,
                             _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return try body(nil) }
        try LMDBError.check(rc, "mdb_get(\(db.name))")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// The bytes stored under `key`, copied out.
    public func get(_ db: Database, key: some ContiguousBytesView) throws -> [UInt8]? {
        try key.withBytes { k in try withValue(db, key: k) { $0.map { Array($0) } } }
    }

    public func contains(_ db: Database, key: some ContiguousBytesView) throws -> Bool {
        try key.withBytes { k in try withValue(db, key: k) { $0 != nil } }
    }

    /// Walks keys in order from the first key ≥ `from` (or the first key), until `body` returns false.
    public func scan(_ db: Database, from: (some ContiguousBytesView)? = Optional<[UInt8]>.none,
                     reverse: Bool = false,
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        let cursor = try Cursor(transaction: handle, database: db)
        var entry: (UnsafeRawBufferPointer, UnsafeRawBufferPointer)?
        if let from {
            entry = try from.withBytes { try cursor.seek(atLeast: $0) }
            if reverse {
                // Reverse scans start at the last key ≤ `from`.
                if let e = entry {
                    let exact = from.withBytes { f in e.0.elementsEqual(f) }
                    if !exact { entry = try cursor.previous() }
                } else {
                    entry = try cursor.last()
                }
            }
        } else {
            entry = reverse ? try cursor.last() : try cursor.first()
        }
        while let (k, v) = entry {
            guard try body(k, v) else { return }
            entry = reverse ? try cursor.previous() : try cursor.next()
        }
    }

    /// The names of the environment's named databases that start with `prefix`, in order.
    public func databaseNames(prefix: String = "") throws -> [String] {
        // Named databases are the keys of the main (unnamed) database, whose handle is always 1.
        let bytes = Array(prefix.utf8)
        var names: [String] = []
        // LMDB refuses an empty key to seek to (MDB_BAD_VALSIZE), so no prefix starts at the first name.
        try scan(Database(name: "", dbi: 1), from: bytes.isEmpty ? nil : bytes) { key, _ in
            guard key.starts(with: bytes) else { return false }
            names.append(String(decoding: key, as: UTF8.self))
            return true
        }
        return names
    }

    /// The last (largest) key and its value, copied out.
    public func last(_ db: Database) throws -> (key: [UInt8], value: [UInt8])? {
        let cursor = try Cursor(transaction: handle, database: db)
        return try cursor.last().map { (Array($0.0), Array($0.1)) }
    }

    /// How many entries the database holds.
    public func count(_ db: Database) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(handle, db.dbi, &stat), "mdb_stat(\(db.name))")
        return stat.ms_entries
    }
}

/// A read-only snapshot of the environment.
public struct ReadTransaction: ReadableTransaction, ~Copyable {
    public let handle: OpaquePointer
}

/// The one write transaction, on the writer thread.
public struct WriteTransaction: ReadableTransaction, ~Copyable {
    public let handle: OpaquePointer
    let environment: Environment

    public func put(_ db: Database, key: some ContiguousBytesView, value: some ContiguousBytesView,
                    append: Bool = false) throws {
        try key.withBytes { k in
            try value.withBytes { v in try put(db, rawKey: k, rawValue: v, append: append) }
        }
    }

    public func put(_ db: Database, rawKey: UnsafeRawBufferPointer, rawValue: UnsafeRawBufferPointer,
                    append: Bool = false) throws {
        var k = MDB_val(mv_size: rawKey.count, mv_data: UnsafeMutableRawPointer(mutating: rawKey.baseAddress))
        var v = MDB_val(mv_size: rawValue.count, mv_data: UnsafeMutableRawPointer(mutating: rawValue.baseAddress))
        try LMDBError.check(mdb_put(handle, db.dbi, &k, &v, append ? UInt32(MDB_APPEND) : 0),
                            "mdb_put(\(db.name))")
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ db: Database, key: some ContiguousBytesView) throws -> Bool {
        try key.withBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            let rc = mdb_del(handle, db.dbi, &kv, nil)
            if rc == MDB_NOTFOUND { return false }
            try LMDBError.check(rc, "mdb_del(\(db.name))")
            return true
        }
    }

    /// Empties a database, keeping it.
    public func clear(_ db: Database) throws {
        try LMDBError.check(mdb_drop(handle, db.dbi, 0), "mdb_drop(\(db.name))")
    }

    /// Deletes a database and its name from the environment.
    public func drop(_ db: Database) throws {
        try LMDBError.check(mdb_drop(handle, db.dbi, 1), "mdb_drop(\(db.name), delete)")
    }

    /// Opens (creating if needed) a named database inside this transaction.
    public func openDatabase(_ name: String) throws -> Database {
        var dbi: MDB_dbi = 0
        try LMDBError.check(mdb_dbi_open(handle, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
        return Database(name: name, dbi: dbi)
    }

    /// Runs `body` in a nested transaction: its writes are kept only if it returns normally.
    ///
    /// Group commit uses this so one failing request cannot undo its neighbours.
    public func nested<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        var child: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(environment.handle, handle, 0, &child), "mdb_txn_begin(nested)")
        let txn = WriteTransaction(handle: child!, environment: environment)
        do {
            let result = try body(txn)
            try LMDBError.check(mdb_txn_commit(child), "mdb_txn_commit(nested)")
            return result
        } catch {
            mdb_txn_abort(child)
            throw error
        }
    }
}
