import CLMDB

/// A named database inside an environment (LMDB's DBI).
public struct Database: Sendable, Hashable {
    public let name: String
    let dbi: MDB_dbi
}
