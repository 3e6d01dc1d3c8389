import Foundation
import Testing
@testable import LMDB

@Suite struct WriteCursorTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// `last(atMost:)` finds the exact key, the one before a gap, nothing before the first key, and the last key
    /// past the end; in an empty database, nothing.
    @Test func lastAtMostFindsTheGreatestKeyNotAfterTheBound() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["entries"])[0]
        try env.write { txn in
            try txn.withCursor(db) { cursor in
                let none = try bytes("m").withUnsafeBytes { try cursor.last(atMost: $0) }
                #expect(none == nil)
            }
            for k in ["b", "d", "f"] { try txn.put(db, key: bytes(k), value: bytes(k.uppercased())) }
            try txn.withCursor(db) { cursor in
                var answers: [String?] = []
                for bound in ["d", "e", "a", "z", "b"] {
                    let entry = try bytes(bound).withUnsafeBytes { b in try cursor.last(atMost: b) }
                    answers.append(entry.map { String(decoding: $0.key, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self) })
                }
                #expect(answers == ["d=D", "d=D", nil, "f=F", "b=B"])
            }
        }
    }

    /// Replacing the entry under the cursor with a longer or shorter value keeps every other entry, across
    /// many entries and a page split, and is what a later transaction reads.
    @Test func replaceCurrentChangesOnlyThatEntryWhateverItsSize() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir, options: .init(mapSize: 1 << 20))
        let db = try env.openDatabases(["runs"])[0]
        try env.write { txn in
            for i in 0..<200 { try txn.put(db, key: BigEndianKey(i * 2), value: [UInt8](repeating: UInt8(i), count: 8)) }
        }
        // Grow every tenth entry to 400 bytes (splitting pages), then shrink one back.
        try env.write { txn in
            for i in stride(from: 0, to: 200, by: 10) {
                try txn.withCursor(db) { cursor in
                    try BigEndianKey(i * 2 + 1).withBytes { bound in
                        guard let entry = try cursor.last(atMost: bound) else { Issue.record("no entry at or before \(i * 2 + 1)"); return }
                        let key = Array(entry.key), value = Array(entry.value) + [UInt8](repeating: 0xEE, count: 392)
                        #expect(key.withUnsafeBytes { BigEndianKey.decode($0) } == UInt64(i * 2))
                        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try cursor.replaceCurrent(rawKey: k, rawValue: v) } }
                    }
                }
            }
            try txn.withCursor(db) { cursor in
                try BigEndianKey(20).withBytes { k in
                    let found = try cursor.last(atMost: k) != nil
                    #expect(found)
                    try [UInt8](repeating: 7, count: 3).withUnsafeBytes { v in try cursor.replaceCurrent(rawKey: k, rawValue: v) }
                }
            }
            // And a new key put through a cursor lands where it sorts.
            try txn.withCursor(db) { cursor in
                try BigEndianKey(5).withBytes { k in try [UInt8(9)].withUnsafeBytes { v in try cursor.put(rawKey: k, rawValue: v) } }
            }
        }
        try env.read { txn in
            var seen: [Int: [UInt8]] = [:]
            try txn.scan(db) { key, value in
                seen[Int(BigEndianKey.decode(key)!)] = Array(value)
                return true
            }
            #expect(seen.count == 201)
            #expect(seen[5] == [9])
            #expect(seen[20] == [7, 7, 7])
            for i in 0..<200 where i != 10 {
                let expected = [UInt8](repeating: UInt8(i), count: 8) + (i % 10 == 0 ? [UInt8](repeating: 0xEE, count: 392) : [])
                #expect(seen[i * 2] == expected, "entry \(i * 2)")
            }
        }
    }

    /// Replacing under a cursor that is on another key, or that found nothing before the first key, fails and
    /// leaves the database as it was.
    @Test func replaceCurrentRefusesAKeyTheCursorIsNotOn() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try Environment(path: dir)
        let db = try env.openDatabases(["entries"])[0]
        try env.write { txn in
            for k in ["b", "d"] { try txn.put(db, key: bytes(k), value: bytes(k.uppercased())) }
        }
        for (bound, key) in [("a", "a"), ("c", "c"), ("c", "d")] {
            do {
                try env.write { txn in
                    try txn.withCursor(db) { cursor in
                        _ = try bytes(bound).withUnsafeBytes { try cursor.last(atMost: $0) }
                        try bytes(key).withUnsafeBytes { k in try bytes("X").withUnsafeBytes { v in try cursor.replaceCurrent(rawKey: k, rawValue: v) } }
                    }
                }
                Issue.record("replacing \(key) after looking for at most \(bound) was allowed")
            } catch let error as LMDBError {
                #expect(error.code == 22 && error.operation.contains("the cursor is not on that key"), "\(error)")
            }
        }
        // Never positioned at all.
        #expect(throws: LMDBError.self) {
            try env.write { txn in
                try txn.withCursor(db) { cursor in
                    try bytes("b").withUnsafeBytes { k in try bytes("X").withUnsafeBytes { v in try cursor.replaceCurrent(rawKey: k, rawValue: v) } }
                }
            }
        }
        var entries: [String] = []
        try env.read { txn in
            try txn.scan(db) { k, v in
                entries.append(String(decoding: k, as: UTF8.self) + "=" + String(decoding: v, as: UTF8.self))
                return true
            }
        }
        #expect(entries == ["b=B", "d=D"])
    }
}
