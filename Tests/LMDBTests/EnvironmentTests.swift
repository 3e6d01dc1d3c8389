import Foundation
import Testing
@testable import LMDB

/// A fresh directory under the system temporary folder, removed by the caller.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "lmdb-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct EnvironmentTests {
    @Test func writeThenReadBack() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["things"])[0]
        try env.write { txn in
            try txn.put(db, key: "a", value: Array("1".utf8))
            try txn.put(db, key: "b", value: Array("2".utf8))
        }
        let a = try env.read { txn in try txn.get(db, key: "a") }
        #expect(a == Array("1".utf8))
        let missing = try env.read { txn in try txn.get(db, key: "zz") }
        #expect(missing == nil)
        #expect(try env.read { txn in try txn.count(db) } == 2)
    }

    @Test func failedWriteLeavesNothing() throws {
        struct Boom: Error {}
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["things"])[0]
        #expect(throws: Boom.self) {
            try env.write { txn in
                try txn.put(db, key: "a", value: Array("1".utf8))
                throw Boom()
            }
        }
        #expect(try env.read { txn in try txn.count(db) } == 0)
    }

    @Test func nestedTransactionAbortKeepsParent() throws {
        struct Boom: Error {}
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["things"])[0]
        try env.write { txn in
            try txn.nested { child in try child.put(db, key: "kept", value: [1]) }
            _ = try? txn.nested { child in
                try child.put(db, key: "dropped", value: [2])
                throw Boom()
            }
        }
        #expect(try env.read { txn in try txn.get(db, key: "kept") } == [1])
        #expect(try env.read { txn in try txn.get(db, key: "dropped") } == nil)
    }

    @Test func mapGrowsFromOneMebibyte() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir, options: .init(mapSize: 1 << 20))
        let db = try env.openDatabases(["big"])[0]
        let value = [UInt8](repeating: 7, count: 1000)
        for batch in 0..<40 {
            try env.write { txn in
                for i in 0..<250 { try txn.put(db, key: BigEndianKey(batch * 250 + i), value: value, append: true) }
            }
        }
        #expect(try env.read { txn in try txn.count(db) } == 10_000)
        #expect(env.mapSize > 1 << 20)
    }

    @Test func scanWalksInKeyOrderBothWays() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["n"])[0]
        try env.write { txn in
            for i in [5, 1, 3, 9, 7] { try txn.put(db, key: BigEndianKey(i), value: [UInt8(i)]) }
        }
        var forward: [UInt64] = []
        try env.read { txn in
            try txn.scan(db, from: BigEndianKey(3)) { k, _ in forward.append(BigEndianKey.decode(k)!); return true }
        }
        #expect(forward == [3, 5, 7, 9])
        var backward: [UInt64] = []
        try env.read { txn in
            try txn.scan(db, from: BigEndianKey(6), reverse: true) { k, _ in backward.append(BigEndianKey.decode(k)!); return true }
        }
        #expect(backward == [5, 3, 1])
    }

    @Test func readersOnOtherThreadsWhileWriting() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir, options: .init(mapSize: 1 << 20))
        let db = try env.openDatabases(["n"])[0]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<200 {
                    try await env.write { txn in try txn.put(db, key: BigEndianKey(i), value: [UInt8](repeating: 1, count: 2000)) }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 { _ = try env.read { txn in try txn.count(db) } }
                }
            }
            try await group.waitForAll()
        }
        #expect(try env.read { txn in try txn.count(db) } == 200)
    }

    @Test func readOnlyEnvironmentSeesAnotherWritersData() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["n"])[0]
        try env.write { txn in try txn.put(db, key: "k", value: [9]) }
        let reader = try Environment(path: dir, options: .init(readOnly: true))
        let rdb = try reader.openDatabases(["n"])[0]
        #expect(try reader.read { txn in try txn.get(rdb, key: "k") } == [9])
        #expect(throws: LMDBError.self) { try reader.write { _ in () } }
    }

    @Test func errorsCarryLMDBCodeAndMessage() throws {
        let error = LMDBError(code: -30792, operation: "mdb_put")
        #expect(error.isMapFull)
        #expect(error.description.contains("MDB_MAP_FULL"))
    }
}
