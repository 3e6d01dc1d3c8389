import Crypto
import Foundation
import LMDB
import Testing
@testable import CXLedgerCore

// Tamper tests: a ledger is written, its data file copied, the copy altered behind the ledger's
// back (raw bytes, or LMDB directly), and `LogVerifier` must name the first bad position.

private let tamperEventCount = 30

/// A closed ledger of 30 interactions whose summaries are unique (`summary-unique-0-<n>:`), plus its answers.
private func tamperLedger() throws -> (FixtureDirectory, [AppendedEvent]) {
    let dir = FixtureDirectory("tamper-source")
    var answers: [AppendedEvent] = []
    do {
        let log = try EventLog(directory: dir.sub("ledger"))
        for start in stride(from: 1, through: tamperEventCount, by: 5) {
            answers += try log.append(try (start..<(start + 5)).map { try fixtureInteraction($0) })
        }
    }
    return (dir, answers)
}

/// Copies just `data.mdb` into a new directory and returns that directory's path.
private func tamperCopy(_ dir: FixtureDirectory, _ name: String) throws -> String {
    let copy = dir.sub(name)
    try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: dir.sub("ledger") + "/data.mdb", toPath: copy + "/data.mdb")
    return copy
}

private func tamperVerify(_ path: String, digest: String? = nil) throws -> VerificationReport {
    let log = try EventLog(directory: path, options: .init(readOnly: true))
    return try LogVerifier.verify(log, digest: digest.map { try #require(LogVerifier.Digest($0)) })
}

/// Replaces every occurrence of `needle` in the raw file by `replacement` (same length); returns how many.
@discardableResult
private func tamperRawReplace(_ path: String, _ needle: String, _ replacement: String) throws -> Int {
    let file = path + "/data.mdb"
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    let n = Array(needle.utf8), r = Array(replacement.utf8)
    precondition(n.count == r.count)
    var count = 0
    var i = 0
    while i + n.count <= bytes.count {
        if bytes[i] == n[0] && bytes[i..<(i + n.count)].elementsEqual(n) {
            bytes.replaceSubrange(i..<(i + n.count), with: r)
            count += 1
            i += n.count
        } else {
            i += 1
        }
    }
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return count
}

/// Opens the copy with the LMDB layer alone and runs `body` in one write transaction on its events and meta databases.
/// (It runs on LMDB's writer thread, so it reports by returning or throwing, not with #expect.)
@discardableResult
private func tamperWithLMDB<R: Sendable>(
    _ path: String, _ body: @escaping @Sendable (borrowing WriteTransaction, Database, Database) throws -> R
) throws -> R {
    let env = try Environment(path: path)
    let dbs = try env.openDatabases(["log.events", "log.meta"])
    return try env.write { txn in try body(txn, dbs[0], dbs[1]) }
}

private struct TamperSetupError: Error, CustomStringConvertible {
    var description: String
}

private func tamperUnwrap<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw TamperSetupError(description: "missing \(what)") }
    return value
}

/// The stored record (4-byte LE offset of the hash member, then canonical JSON) for an envelope
/// whose hash is recomputed from `previous`, as a forger who knows the format would write it.
private func forgedRecord(_ envelope: JSONValue, previous: [UInt8]) throws -> (record: [UInt8], hash: [UInt8]) {
    guard case .object(var members) = envelope else { throw LedgerError(code: .invalidEvent, message: "not an object") }
    members.removeValue(forKey: "hash")
    var hasher = SHA256()
    hasher.update(data: previous)
    hasher.update(data: CanonicalJSON.encode(.object(members)))
    let hash = Array(hasher.finalize())
    members["hash"] = .string(fixtureHex(hash))
    let json = CanonicalJSON.encode(.object(members))
    let marker = Array("\"hash\":\"".utf8)
    let offset = try tamperUnwrap((0...(json.count - marker.count)).first { json[$0..<($0 + marker.count)].elementsEqual(marker) },
                                  "hash member")
    var record: [UInt8] = []
    withUnsafeBytes(of: UInt32(offset).littleEndian) { record.append(contentsOf: $0) }
    record += json
    return (record, hash)
}

private func readRecord(_ txn: borrowing WriteTransaction, _ events: Database, _ position: Int) throws -> [UInt8] {
    try tamperUnwrap(try txn.get(events, key: BigEndianKey(position)), "event \(position)")
}

@Suite("Tamper detection on a copy of the data file")
struct TamperTests {
    @Test("an untouched copy verifies, and its head is the ledger's")
    func untouchedCopy() throws {
        let (dir, answers) = try tamperLedger()
        let copy = try tamperCopy(dir, "copy")
        let report = try tamperVerify(copy)
        #expect(report.isValid)
        #expect(report.eventsChecked == tamperEventCount)
        #expect(report.head.position == tamperEventCount)
        #expect(report.head.hash == answers.last?.hash)
    }

    @Test("one changed byte inside a stored event's JSON is reported at its position", arguments: [1, 17, 30])
    func changedByte(position: Int) throws {
        let (dir, _) = try tamperLedger()
        let copy = try tamperCopy(dir, "flip")
        let replaced = try tamperRawReplace(copy, "summary-unique-0-\(position):", "summary-uniquE-0-\(position):")
        #expect(replaced >= 1)
        let report = try tamperVerify(copy)
        #expect(!report.isValid)
        #expect(report.firstBadPosition == position)
        #expect(report.problem?.contains("hash mismatch") == true)
        #expect(report.eventsChecked == position - 1)
    }

    @Test("a changed digit of a stored hash is reported at that event")
    func changedStoredHash() throws {
        let (dir, answers) = try tamperLedger()
        let copy = try tamperCopy(dir, "hash-flip")
        let stored = answers[11].hash
        let altered = String(stored.prefix(10)) + (stored.dropFirst(10).first == "0" ? "1" : "0") + stored.dropFirst(11)
        #expect(try tamperRawReplace(copy, stored, altered) >= 1)
        let report = try tamperVerify(copy)
        #expect(report.firstBadPosition == 12)
    }

    @Test("a removed event is reported at its position", arguments: [1, 13])
    func removedEvent(position: Int) throws {
        let (dir, _) = try tamperLedger()
        let copy = try tamperCopy(dir, "removed")
        let deleted = try tamperWithLMDB(copy) { txn, events, _ in try txn.delete(events, key: BigEndianKey(position)) }
        #expect(deleted)
        let report = try tamperVerify(copy)
        #expect(report.firstBadPosition == position)
        #expect(report.problem?.contains("missing") == true)
    }

    @Test("two swapped events are reported at the first of them")
    func swappedEvents() throws {
        let (dir, _) = try tamperLedger()
        let copy = try tamperCopy(dir, "swapped")
        try tamperWithLMDB(copy) { txn, events, _ in
            let a = try readRecord(txn, events, 10)
            let b = try readRecord(txn, events, 20)
            try txn.put(events, key: BigEndianKey(10), value: b)
            try txn.put(events, key: BigEndianKey(20), value: a)
        }
        let report = try tamperVerify(copy)
        #expect(report.firstBadPosition == 10)
        // Neighbours swapped too.
        let copy2 = try tamperCopy(dir, "swapped-neighbours")
        try tamperWithLMDB(copy2) { txn, events, _ in
            let a = try readRecord(txn, events, 29)
            let b = try readRecord(txn, events, 30)
            try txn.put(events, key: BigEndianKey(29), value: b)
            try txn.put(events, key: BigEndianKey(30), value: a)
        }
        #expect(try tamperVerify(copy2).firstBadPosition == 29)
    }

    @Test("in a long log, checked in parallel chunks, the first of several changes is reported")
    func changesDeepInALongLog() throws {
        // 40,000 events: more than one verification chunk, each split across the cores.
        let dir = FixtureDirectory("tamper-long")
        do {
            let log = try EventLog(directory: dir.sub("ledger"))
            for start in stride(from: 1, through: 40_000, by: 5_000) {
                try log.append(try (start..<(start + 5_000)).map { try fixtureInteraction($0) })
            }
        }
        let untouched = try tamperCopy(dir, "long-untouched")
        #expect(try tamperVerify(untouched).isValid)
        #expect(try tamperVerify(untouched).eventsChecked == 40_000)
        for positions in [[39_001], [2_050, 36_000], [33_000, 33_001]] {
            let copy = try tamperCopy(dir, "long-\(positions[0])")
            for p in positions { try tamperRawReplace(copy, "summary-unique-0-\(p):", "summary-uniquE-0-\(p):") }
            let report = try tamperVerify(copy)
            #expect(report.firstBadPosition == positions[0])
            #expect(report.eventsChecked == positions[0] - 1)
        }
    }

    @Test("truncating the last event is reported")
    func truncatedLast() throws {
        let (dir, answers) = try tamperLedger()
        let copy = try tamperCopy(dir, "truncated")
        let deleted = try tamperWithLMDB(copy) { txn, events, _ in
            try txn.delete(events, key: BigEndianKey(tamperEventCount))
        }
        #expect(deleted)
        let report = try tamperVerify(copy)
        #expect(!report.isValid)
        #expect(report.firstBadPosition == tamperEventCount)

        // A forger who also rewinds the recorded head is caught by a digest of the old head.
        let copy2 = try tamperCopy(dir, "truncated-head")
        let previousHash = try #require(answers.dropLast().last).hash
        let previousBytes = try #require(fixtureHexDecode(previousHash))
        try tamperWithLMDB(copy2) { txn, events, meta in
            guard try txn.delete(events, key: BigEndianKey(tamperEventCount)) else {
                throw TamperSetupError(description: "no last event to delete")
            }
            let old = try tamperUnwrap(try txn.get(meta, key: "head"), "head")
            var value: [UInt8] = []
            withUnsafeBytes(of: UInt64(tamperEventCount - 1).bigEndian) { value.append(contentsOf: $0) }
            value += previousBytes
            value += old.suffix(8)
            try txn.put(meta, key: "head", value: value)
        }
        #expect(try tamperVerify(copy2).isValid)
        let caught = try tamperVerify(copy2, digest: "\(tamperEventCount):\(answers.last!.hash)")
        #expect(!caught.isValid)
        #expect(caught.firstBadPosition == tamperEventCount)
    }

    @Test("digests: a valid one passes, a wrong hash or a position beyond the end is reported")
    func digests() throws {
        let (dir, answers) = try tamperLedger()
        let copy = try tamperCopy(dir, "digests")
        for p in [1, 15, tamperEventCount] {
            let report = try tamperVerify(copy, digest: "\(p):\(answers[p - 1].hash)")
            #expect(report.isValid, "digest at \(p)")
        }
        let wrong = try tamperVerify(copy, digest: "15:\(answers[14].hash.reversed().map(String.init).joined())")
        #expect(wrong.firstBadPosition == 15)
        #expect(wrong.problem?.contains("digest") == true)
        let beyond = try tamperVerify(copy, digest: "\(tamperEventCount + 1):\(answers[0].hash)")
        #expect(!beyond.isValid)
        #expect(beyond.firstBadPosition == tamperEventCount + 1)
        #expect(LogVerifier.Digest("15") == nil)
        #expect(LogVerifier.Digest("0:\(answers[0].hash)") == nil)
        #expect(LogVerifier.Digest("15:abc") == nil)
    }

    @Test("an earlier digest no longer matches after the chain is rewritten from an altered event")
    func rewrittenChain() throws {
        let (dir, answers) = try tamperLedger()
        let copy = try tamperCopy(dir, "rewritten")
        // Alter event 17 and recompute every hash after it, and the recorded head, so the chain is consistent again.
        let hash16 = try #require(fixtureHexDecode(answers[15].hash))
        try tamperWithLMDB(copy) { txn, events, meta in
            var previous = hash16
            for position in 17...tamperEventCount {
                let record = try readRecord(txn, events, position)
                var envelope = try JSONParser.parse(Array(record.dropFirst(4)))
                if position == 17, case .object(var o) = envelope, case .object(var data)? = o["data"] {
                    data["summary"] = "nothing happened here"
                    o["data"] = .object(data)
                    envelope = .object(o)
                }
                let (forged, hash) = try forgedRecord(envelope, previous: previous)
                try txn.put(events, key: BigEndianKey(position), value: forged)
                previous = hash
            }
            let old = try tamperUnwrap(try txn.get(meta, key: "head"), "head")
            try txn.put(meta, key: "head", value: Array(old.prefix(8)) + previous + Array(old.suffix(8)))
        }
        // Without a digest the forgery is self-consistent...
        let plain = try tamperVerify(copy)
        #expect(plain.isValid)
        #expect(plain.head.hash != answers.last?.hash)
        // ...but a digest taken earlier is not held any more.
        let at17 = try tamperVerify(copy, digest: "17:\(answers[16].hash)")
        #expect(!at17.isValid)
        #expect(at17.firstBadPosition == 17)
        let atHead = try tamperVerify(copy, digest: "\(tamperEventCount):\(answers.last!.hash)")
        #expect(atHead.firstBadPosition == tamperEventCount)
        // A digest from before the altered event still holds.
        #expect(try tamperVerify(copy, digest: "16:\(answers[15].hash)").isValid)
    }
}

/// Lower-case hex to bytes.
func fixtureHexDecode(_ hex: String) -> [UInt8]? {
    let chars = Array(hex.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    for i in stride(from: 0, to: chars.count, by: 2) {
        guard let byte = UInt8(String(decoding: chars[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
        out.append(byte)
    }
    return out
}
