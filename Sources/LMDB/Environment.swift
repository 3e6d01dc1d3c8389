import CLMDB
import Foundation

/// An LMDB environment: one data file, its named databases, one writer and many readers.
///
/// ```swift
/// let env = try Environment(path: dir, options: .init())
/// let names = try env.openDatabases(["names"])[0]
/// try env.write { txn in try txn.put(names, key: "k", value: "v") }
/// let v = try env.read { txn in try txn.get(names, key: "k") }
/// ```
// The MDB_env handle is safe to share: LMDB serialises its own internals, every write
// transaction runs on `writer`, and mdb_env_set_mapsize runs only inside `gate.exclusive`.
public final class Environment: @unchecked Sendable {
    /// How an environment is opened.
    public struct Options: Sendable {
        /// The initial map size; it doubles by itself whenever it fills up.
        public var mapSize: Int = 256 << 20
        public var maxDatabases: Int = 64
        public var maxReaders: Int = 510
        /// Open without a writer, for commands that only read while another process writes.
        public var readOnly: Bool = false

        public init(mapSize: Int = 256 << 20, maxDatabases: Int = 64, maxReaders: Int = 510,
                    readOnly: Bool = false) {
            self.mapSize = mapSize
            self.maxDatabases = maxDatabases
            self.maxReaders = maxReaders
            self.readOnly = readOnly
        }
    }

    let handle: OpaquePointer
    public let path: String
    public let isReadOnly: Bool
    private let gate = ResizeGate()
    /// mdb_dbi_open must not run in two transactions of one process at once.
    private let dbiOpenLock = NSLock()
    private let writer: WriterThread?
    /// Stale reader slots cleared at open (left by crashed processes).
    public let staleReadersCleared: Int

    public init(path: String, options: Options = Options()) throws {
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "mdb_env_create")
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, MDB_dbi(options.maxDatabases)), "mdb_env_set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            // MDB_NOTLS: read transactions are not pinned to a thread, so a reader may finish
            // on another thread than it began without MDB_BAD_RSLOT.
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            try LMDBError.check(mdb_env_open(env, path, flags, 0o644), "mdb_env_open(\(path))")
            var dead: Int32 = 0
            try LMDBError.check(mdb_reader_check(env, &dead), "mdb_reader_check")
            staleReadersCleared = Int(dead)
        } catch {
            mdb_env_close(env)
            throw error
        }
        handle = env!
        self.path = path
        isReadOnly = options.readOnly
        writer = options.readOnly ? nil : WriterThread(name: "lmdb-writer")
    }

    deinit {
        writer?.stop()
        mdb_env_close(handle)
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// The bytes of the map in use: pages up to the last one written.
    public var usedSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Opens named databases; a writable environment creates missing ones.
    /// On the writer thread inside a write, use `WriteTransaction.openDatabase` instead.
    public func openDatabases(_ names: [String]) throws -> [Database] {
        if isReadOnly {
            dbiOpenLock.lock()
            defer { dbiOpenLock.unlock() }
            return try gate.shared {
                var txn: OpaquePointer?
                try LMDBError.check(mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
                var result: [Database] = []
                for name in names {
                    var dbi: MDB_dbi = 0
                    let rc = mdb_dbi_open(txn, name, 0, &dbi)
                    if rc != 0 { mdb_txn_abort(txn); throw LMDBError(code: rc, operation: "mdb_dbi_open(\(name))") }
                    result.append(Database(name: name, dbi: dbi))
                }
                // Committing keeps the handles in the environment for later transactions.
                try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(read)")
                return result
            }
        }
        return try write { txn in try names.map { try txn.openDatabase($0) } }
    }

    /// Runs `body` in a read-only snapshot. Do not nest reads on one thread.
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        while true {
            let outcome: R? = try gate.shared {
                var txn: OpaquePointer?
                let rc = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
                if rc == MDB_MAP_RESIZED { return nil }
                try LMDBError.check(rc, "mdb_txn_begin(read)")
                defer { mdb_txn_abort(txn) }
                return try body(ReadTransaction(handle: txn!))
            }
            if let outcome { return outcome }
            try adoptGrownMap()
        }
    }

    /// Runs `body` in a write transaction on the writer thread, waiting for it to commit.
    ///
    /// When the map fills, the transaction is aborted, the map grows and `body` runs again,
    /// so `body` must not have effects outside the transaction.
    public func write<R: Sendable>(_ body: @escaping @Sendable (borrowing WriteTransaction) throws -> R) throws -> R {
        guard let writer else { throw LMDBError(code: EACCES, operation: "write on a read-only environment") }
        return try writer.runSync { try self.performWrite(body) }
    }

    /// Like `write`, suspending the caller instead of blocking it.
    public func write<R: Sendable>(_ body: @escaping @Sendable (borrowing WriteTransaction) throws -> R) async throws -> R {
        guard let writer else { throw LMDBError(code: EACCES, operation: "write on a read-only environment") }
        return try await writer.run { try self.performWrite(body) }
    }

    /// Runs `job` on the writer thread and waits: for work that must not interleave with other
    /// writes, such as a transaction followed by swapping in-memory state. `job` calls `performWrite`.
    public func onWriterSync<R: Sendable>(_ job: @escaping @Sendable () throws -> R) throws -> R {
        guard let writer else { throw LMDBError(code: EACCES, operation: "write on a read-only environment") }
        return try writer.runSync(job)
    }

    /// Puts a job on the writer thread without waiting; the job calls `performWrite` itself.
    /// For callers (group commit) that gather requests on the writer thread.
    public func onWriter(_ job: @escaping @Sendable () -> Void) {
        writer?.submit(job)
    }

    /// Runs a write transaction; only valid on the writer thread.
    public func performWrite<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        precondition(writer?.isCurrent == true, "LMDB writes must run on the writer thread")
        while true {
            var txn: OpaquePointer?
            var rc = mdb_txn_begin(handle, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                try adoptGrownMap()
                continue
            }
            try LMDBError.check(rc, "mdb_txn_begin(write)")
            let result: R
            do {
                result = try body(WriteTransaction(handle: txn!, environment: self))
            } catch let error as LMDBError where error.isMapFull {
                mdb_txn_abort(txn)
                try growMap()
                continue
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            rc = mdb_txn_commit(txn)
            if rc == MDB_MAP_FULL {
                try growMap()
                continue
            }
            try LMDBError.check(rc, "mdb_txn_commit")
            return result
        }
    }

    /// Doubles the map. Runs on the writer thread with no write transaction open, and
    /// waits for every reader of this process to finish first.
    private func growMap() throws {
        try gate.exclusive {
            let newSize = mapSize * 2
            try LMDBError.check(mdb_env_set_mapsize(handle, newSize), "mdb_env_set_mapsize(\(newSize))")
        }
    }

    /// Another process grew the map: take its size (0 means "use the file's").
    private func adoptGrownMap() throws {
        try gate.exclusive {
            try LMDBError.check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)")
        }
    }

    /// A consistent copy of the environment into the directory `path` (created if missing);
    /// `compact` leaves out free pages. Safe while another process writes.
    public func copy(to path: String, compact: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try gate.shared {
            try LMDBError.check(mdb_env_copy2(handle, path, compact ? UInt32(MDB_CP_COMPACT) : 0),
                                "mdb_env_copy2(\(path))")
        }
    }

    /// Clears reader slots left by dead processes; returns how many.
    @discardableResult
    public func checkReaders() throws -> Int {
        var dead: Int32 = 0
        try LMDBError.check(mdb_reader_check(handle, &dead), "mdb_reader_check")
        return Int(dead)
    }

    /// Flushes to disk; used after work done outside the normal synchronous commit.
    public func sync() throws {
        try LMDBError.check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }
}
