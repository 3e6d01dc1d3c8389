import Foundation
import Testing
@testable import LMDB
import CLMDB

@Suite struct WriteCursorAppendTests {
    /// Keys appended through one cursor read back in order, across many leaves, transactions and map growths.
    @Test func appendsInOrderWhileTheMapGrows() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir, options: .init(mapSize: 1 << 20))
        let db = try env.openDatabases(["sorted"])[0]
        let value = [UInt8](repeating: 3, count: 200)
        for batch in 0..<4 {
            try env.write { txn in
                try txn.appending(to: db) { appender in
                    for i in 0..<5_000 {
                        try BigEndianKey(batch * 5_000 + i).withBytes { k in
                            try value.withUnsafeBytes { v in try appender.append(rawKey: k, rawValue: v) }
                        }
                    }
                }
            }
        }
        #expect(env.mapSize > 1 << 20)
        var expected = 0
        try env.read { txn in
            try txn.scan(db) { key, value in
                #expect(BigEndianKey.decode(key) == UInt64(expected))
                #expect(value.count == 200)
                expected += 1
                return true
            }
        }
        #expect(expected == 20_000)
    }

    /// A key that does not sort after the last one fails with LMDB's code and the database's name, and the
    /// transaction it was in writes nothing.
    @Test func aKeyOutOfOrderFailsTheTransaction() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["sorted"])[0]
        try env.write { txn in try txn.put(db, key: "m", value: [1]) }
        let error = #expect(throws: LMDBError.self) {
            try env.write { txn in
                try txn.appending(to: db) { appender in
                    for key in ["n", "o", "b"] {
                        try Array(key.utf8).withUnsafeBytes { k in
                            try [UInt8(2)].withUnsafeBytes { v in try appender.append(rawKey: k, rawValue: v) }
                        }
                    }
                }
            }
        }
        #expect(error?.code == MDB_KEYEXIST)
        #expect(error?.operation.contains("sorted") == true)
        #expect(try env.read { txn in try txn.count(db) } == 1)
    }
}
