import CLMDB

/// An error reported by LMDB, with its own code and message.
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// LMDB's text for the code (it also covers errno values).
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String { "\(operation): \(message) (\(code))" }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var isMapResized: Bool { code == MDB_MAP_RESIZED }
    public var isReadersFull: Bool { code == MDB_READERS_FULL }
    public var isNotFound: Bool { code == MDB_NOTFOUND }
    /// The disk (not the map) is full.
    public var isDiskFull: Bool { code == 28 /* ENOSPC */ || code == 122 /* EDQUOT */ }
    /// A write to the data file failed: LMDB reports a short write, which is what a filesystem that
    /// fills up part-way through a commit gives, as EIO (see mdb_page_flush). The commit was aborted.
    public var isWriteFailure: Bool { code == 5 /* EIO */ }

    @inline(__always)
    static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
    }
}
