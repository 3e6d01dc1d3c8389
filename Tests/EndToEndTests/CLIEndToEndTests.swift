import CXLedgerCore
import Crypto
import Foundation
import Testing

// End-to-end tests of the built `cxledger` binary: real processes, real data directories.
// `swift build --build-tests` (as .ci/run does) builds the binary before `swift test` runs.

private struct E2EError: Error, CustomStringConvertible {
    var description: String
}

/// The built binary: `$CXLEDGER_BINARY`, else `.build/debug/cxledger` (or `release` in a release test build).
private func e2eBinary() throws -> String {
    let path = Harness.tool("cxledger")
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw E2EError(description: "the cxledger binary is missing at \(path); run `swift build` "
            + "(or `swift build --build-tests`) before `swift test`, or set CXLEDGER_BINARY")
    }
    return path
}

/// A temporary directory, removed when released.
private final class E2EDirectory: Sendable {
    let path: String
    init(_ label: String) {
        path = NSTemporaryDirectory() + "cxledger-e2e-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func sub(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private struct E2EResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
    /// Non-empty stdout lines.
    var lines: [[UInt8]] { stdout.split(separator: UInt8(ascii: "\n")).map(Array.init) }
}

/// A running `cxledger` process whose output goes to files (so a large output cannot block it).
private final class E2EProcess {
    let process = Process()
    let outPath: String
    let errPath: String

    init(_ arguments: [String], in dir: E2EDirectory, stdin: String? = nil) throws {
        let tag = UUID().uuidString
        outPath = dir.sub("stdout-\(tag)")
        errPath = dir.sub("stderr-\(tag)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try e2eBinary())
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdin))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func finish() throws -> E2EResult {
        process.waitUntilExit()
        let out = try [UInt8](Data(contentsOf: URL(fileURLWithPath: outPath)))
        let err = try String(decoding: Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        return E2EResult(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

private func cxledger(_ arguments: [String], in dir: E2EDirectory) throws -> E2EResult {
    try E2EProcess(arguments, in: dir).finish()
}

// MARK: Building NDJSON

private func e2eID(_ n: Int, salt: Int = 0) -> String {
    let hex = String(n, radix: 16)
    let s = String(salt, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s + "-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
}

private func e2eLine(_ envelope: JSONValue) -> String {
    String(decoding: CanonicalJSON.encode(envelope), as: UTF8.self)
}

private func e2eInteraction(_ n: Int, salt: Int = 0) -> String {
    e2eLine([
        "id": .string(e2eID(n, salt: salt)), "type": "interaction.recorded", "customerId": .string("cust-\(n % 50)"),
        "occurredAt": "2026-04-10T09:00:00Z", "source": "chat-gateway",
        "data": ["channel": "chat", "direction": "inbound", "public": false,
                 "summary": .string("e2e-summary-\(salt)-\(n): the parcel never arrived"), "agent": "agent-3",
                 "sentiment": -0.5],
    ])
}

/// Six events touching every stream kind, with fixed ids.
private let e2eSmallFile: [String] = [
    e2eLine(["id": .string(e2eID(1)), "type": "customer.profiled", "customerId": "cust-e2e",
             "occurredAt": "2026-04-10T08:00:00Z", "data": ["name": "Zoë", "segment": "vip"]]),
    e2eLine(["id": .string(e2eID(2)), "type": "case.opened", "customerId": "cust-e2e", "caseId": "E1",
             "occurredAt": "2026-04-10T08:05:00Z",
             "data": ["category": "delivery", "channel": "phone", "severity": 2, "summary": "lost parcel"]]),
    e2eLine(["id": .string(e2eID(3)), "type": "interaction.recorded", "customerId": "cust-e2e", "caseId": "E1",
             "occurredAt": "2026-04-10T08:06:00+02:00",
             "data": ["channel": "email", "direction": "outbound", "summary": "unique-e2e-summary-three"]]),
    e2eLine(["id": .string(e2eID(4)), "type": "case.escalated", "customerId": "cust-e2e", "caseId": "E1",
             "occurredAt": "2026-04-10T09:00:00.250Z", "data": ["level": 1, "reason": "VIP waiting"]]),
    e2eLine(["id": .string(e2eID(5)), "type": "sla.policy_set", "occurredAt": "2026-04-10T09:00:00Z",
             "data": ["segment": "vip", "firstResponseMinutes": 15, "resolutionHours": 8]]),
    e2eLine(["id": .string(e2eID(6)), "type": "review.held", "occurredAt": "2026-04-30T16:00:00Z",
             "data": ["periodStart": "2026-04-01", "periodEnd": "2026-04-30", "findings": ["parcels"]]]),
]

private func e2eWrite(_ lines: [String], to path: String) throws {
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
}

// MARK: Checking output

private func e2eHex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Re-checks replay output as an auditor would; returns the envelopes. Positions must run 1, 2, … from `first`.
@discardableResult
private func e2eAuditReplay(_ lines: [[UInt8]], first: Int = 1, previousHash: String? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
    var previous: [UInt8] = previousHash.map { hex in
        stride(from: 0, to: 64, by: 2).map { i in
            UInt8(String(hex[hex.index(hex.startIndex, offsetBy: i)..<hex.index(hex.startIndex, offsetBy: i + 2)]),
                  radix: 16)!
        }
    } ?? [UInt8](repeating: 0, count: 32)
    var envelopes: [JSONValue] = []
    for (i, line) in lines.enumerated() {
        let envelope = try JSONParser.parse(line)
        #expect(CanonicalJSON.encode(envelope) == line, "replay line \(i + 1) is not canonical JSON",
                sourceLocation: sourceLocation)
        #expect(envelope["position"]?.intValue == first + i, sourceLocation: sourceLocation)
        guard case .object(var members) = envelope, case .string(let hash)? = members.removeValue(forKey: "hash") else {
            throw E2EError(description: "replay line \(i + 1) has no hash")
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: CanonicalJSON.encode(.object(members)))
        previous = Array(hasher.finalize())
        #expect(e2eHex(previous) == hash, "hash of position \(first + i)", sourceLocation: sourceLocation)
        envelopes.append(envelope)
    }
    return envelopes
}

/// `verify`'s head line: (position, hash).
private func e2eHead(_ result: E2EResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> (Int, String) {
    let head = try JSONParser.parse(result.out.trimmingCharacters(in: .whitespacesAndNewlines))
    guard let position = head["position"]?.intValue, let hash = head["hash"]?.stringValue else {
        throw E2EError(description: "verify printed no head: \(result.out)")
    }
    return (position, hash)
}

private func e2eVerifiedHead(_ data: String, in dir: E2EDirectory,
                             sourceLocation: SourceLocation = #_sourceLocation) throws -> (Int, String) {
    let verify = try cxledger(["verify", "--data", data], in: dir)
    #expect(verify.status == 0, "verify failed: \(verify.stderr)", sourceLocation: sourceLocation)
    return try e2eHead(verify, sourceLocation: sourceLocation)
}

// MARK: Tests

@Suite("cxledger binary end to end", .serialized)
struct CLIEndToEndTests {
    @Test("append → replay → verify → backup → verify the backup")
    func walkthrough() throws {
        let dir = E2EDirectory("walkthrough")
        let data = dir.sub("data")
        let file = dir.sub("events.ndjson")
        try e2eWrite(e2eSmallFile, to: file)

        let append = try cxledger(["append", "--data", data, file], in: dir)
        #expect(append.status == 0, "\(append.stderr)")
        #expect(append.out == "appended 6 events, 0 already present\n")

        let replay = try cxledger(["replay", "--data", data], in: dir)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.lines.count == 6)
        let envelopes = try e2eAuditReplay(replay.lines)
        #expect(envelopes.map { $0["id"]?.stringValue ?? "" } == (1...6).map { e2eID($0) })
        // Each stored envelope is the posted one plus the ledger's fields.
        for (posted, stored) in zip(e2eSmallFile, envelopes) {
            guard case .object(var members) = stored else { continue }
            for field in ["position", "stream", "streamVersion", "recordedAt", "hash"] {
                #expect(members.removeValue(forKey: field) != nil, "\(field) missing")
            }
            #expect(JSONValue.object(members) == (try JSONParser.parse(posted)))
        }
        #expect(envelopes.map { $0["stream"]?.stringValue } ==
            ["customer-cust-e2e", "case-E1", "case-E1", "case-E1", "sla", "review"])

        let verify = try cxledger(["verify", "--data", data], in: dir)
        #expect(verify.status == 0, "\(verify.stderr)")
        let (position, hash) = try e2eHead(verify)
        #expect(position == 6)
        #expect(hash == envelopes.last?["hash"]?.stringValue)
        #expect(verify.out == "{\"hash\":\"\(hash)\",\"position\":6}\n")

        let backupDir = dir.sub("backup")
        let backup = try cxledger(["backup", "--data", data, backupDir], in: dir)
        #expect(backup.status == 0, "\(backup.stderr)")
        let verifyBackup = try cxledger(["verify", "--data", backupDir], in: dir)
        #expect(verifyBackup.status == 0, "\(verifyBackup.stderr)")
        #expect(verifyBackup.out == verify.out)
        let replayBackup = try cxledger(["replay", "--data", backupDir], in: dir)
        #expect(replayBackup.stdout == replay.stdout)
        // A backup will not overwrite a ledger.
        let again = try cxledger(["backup", "--data", data, backupDir], in: dir)
        #expect(again.status != 0)

        // Re-running the same file appends nothing.
        let rerun = try cxledger(["append", "--data", data, file], in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.out == "appended 0 events, 6 already present\n")
        #expect(try cxledger(["verify", "--data", data], in: dir).out == verify.out)
        // And from standard input.
        let viaStdin = try E2EProcess(["append", "--data", data], in: dir, stdin: file).finish()
        #expect(viaStdin.out == "appended 0 events, 6 already present\n")

        // Digests.
        let goodDigest = try cxledger(["verify", "--data", data, "--digest", "3:\(envelopes[2]["hash"]!.stringValue!)"], in: dir)
        #expect(goodDigest.status == 0, "\(goodDigest.stderr)")
        let beyond = try cxledger(["verify", "--data", data, "--digest", "7:\(hash)"], in: dir)
        #expect(beyond.status != 0)
        #expect(beyond.stderr.contains("position 7"))
    }

    @Test("replay filters")
    func replayFilters() throws {
        let dir = E2EDirectory("filters")
        let data = dir.sub("data")
        let file = dir.sub("events.ndjson")
        try e2eWrite(e2eSmallFile, to: file)
        #expect(try cxledger(["append", "--data", data, file], in: dir).status == 0)
        func positions(_ extra: [String]) throws -> [Int] {
            let r = try cxledger(["replay", "--data", data] + extra, in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            return try r.lines.map { try JSONParser.parse($0)["position"]?.intValue ?? -1 }
        }
        #expect(try positions(["--case", "E1"]) == [2, 3, 4])
        #expect(try positions(["--customer", "cust-e2e"]) == [1, 2, 3, 4])
        #expect(try positions(["--type", "review.held"]) == [6])
        #expect(try positions(["--from", "2", "--to", "3"]) == [2, 3])
        #expect(try positions(["--from", "5"]) == [5, 6])
        #expect(try positions(["--from", "3", "--case", "E1", "--type", "case.escalated"]) == [4])
        #expect(try positions(["--from", "9"]) == [])
        // Partial replay output still chains from the previous event's hash.
        let all = try cxledger(["replay", "--data", data], in: dir).lines
        let tail = try cxledger(["replay", "--data", data, "--from", "4"], in: dir).lines
        let previous = try JSONParser.parse(all[2])["hash"]?.stringValue
        try e2eAuditReplay(tail, first: 4, previousHash: previous)
    }

    @Test("a bad line stops the import: its batch is absent, earlier batches stay")
    func badLineInBatch() throws {
        let dir = E2EDirectory("bad-batch")
        let data = dir.sub("data")
        let file = dir.sub("events.ndjson")
        // Line 3 lacks data.severity; batches of 2 are lines 1–2 and 3–4.
        let badOpen = e2eLine(["id": .string(e2eID(13)), "type": "case.opened", "customerId": "c", "caseId": "X",
                               "occurredAt": "2026-04-10T08:05:00Z",
                               "data": ["category": "delivery", "channel": "phone", "summary": "lost"]])
        try e2eWrite([e2eSmallFile[0], e2eSmallFile[1], badOpen, e2eSmallFile[2]], to: file)
        let append = try cxledger(["append", "--data", data, "--batch", "2", file], in: dir)
        #expect(append.status == 1)
        #expect(append.stderr.contains("line 3"), "\(append.stderr)")
        #expect(append.stderr.contains("data.severity"), "\(append.stderr)")
        #expect(append.out.contains("appended 2 events"))
        #expect(try e2eVerifiedHead(data, in: dir).0 == 2)
        let stored = try cxledger(["replay", "--data", data], in: dir)
        let ids = try stored.lines.map { try JSONParser.parse($0)["id"]?.stringValue }
        #expect(ids == [e2eID(1), e2eID(2)])

        // A stateful refusal on line 4 takes back line 3, its batch neighbour.
        let dir2 = E2EDirectory("bad-batch-2")
        let data2 = dir2.sub("data")
        let file2 = dir2.sub("events.ndjson")
        let reopen = e2eLine(["id": .string(e2eID(14)), "type": "case.reopened", "customerId": "cust-e2e", "caseId": "E1",
                              "occurredAt": "2026-04-10T08:05:00Z", "data": ["reason": "again"]])
        try e2eWrite([e2eSmallFile[0], e2eSmallFile[1], e2eSmallFile[2], reopen, e2eSmallFile[3]], to: file2)
        let append2 = try cxledger(["append", "--data", data2, "--batch", "2", file2], in: dir2)
        #expect(append2.status == 1)
        #expect(append2.stderr.contains("line 4"), "\(append2.stderr)")
        #expect(append2.stderr.contains("lifecycle_violation"), "\(append2.stderr)")
        #expect(try e2eVerifiedHead(data2, in: dir2).0 == 2)
        let ids2 = try cxledger(["replay", "--data", data2], in: dir2).lines.map { try JSONParser.parse($0)["id"]?.stringValue }
        #expect(ids2 == [e2eID(1), e2eID(2)])
    }

    /// (name, bad line 2 as bytes, the text stderr must name besides the line)
    static let badInputs: [(String, [UInt8], String?)] = [
        ("invalid JSON", Array(#"{"type":"customer.profiled","customerId":"c","#.utf8), "invalid_json"),
        ("wrong type", Array(#"{"type":"customer.profiled","customerId":"c","occurredAt":"2026-04-10T08:00:00Z","data":{"segment":5}}"#.utf8),
         "data.segment"),
        ("unknown type", Array(#"{"type":"case.exploded","customerId":"c","occurredAt":"2026-04-10T08:00:00Z","data":{}}"#.utf8),
         "unknown_type"),
        ("bad UUID", Array(#"{"id":"1234-not-a-uuid","type":"customer.profiled","customerId":"c","occurredAt":"2026-04-10T08:00:00Z","data":{"segment":"vip"}}"#.utf8),
         "id"),
        ("bad RFC 3339 time", Array(#"{"type":"customer.profiled","customerId":"c","occurredAt":"2026-04-31T08:00:00Z","data":{"segment":"vip"}}"#.utf8),
         "occurredAt"),
        ("date instead of date-time", Array(#"{"type":"customer.profiled","customerId":"c","occurredAt":"2026-04-10","data":{"segment":"vip"}}"#.utf8),
         "occurredAt"),
        ("empty line", [], nil),
        ("blank line", Array("   \t".utf8), nil),
        ("non-UTF-8 bytes", Array(#"{"type":"customer.profiled","customerId":"c","occurredAt":"2026-04-10T08:00:00Z","data":{"segment":"vip","name":""#.utf8)
            + [0xC3, 0x28, 0xFF] + Array(#""}}"#.utf8), nil),
        ("unknown envelope field", Array(#"{"type":"customer.profiled","customerId":"c","occurredAt":"2026-04-10T08:00:00Z","data":{"segment":"vip"},"extra":1}"#.utf8),
         "extra"),
        ("not an object", Array("[1,2,3]".utf8), nil),
    ]

    @Test("each kind of bad input exits non-zero, names the line, and writes nothing",
          arguments: CLIEndToEndTests.badInputs.indices)
    func badInput(index: Int) throws {
        let (name, badLine, mention) = Self.badInputs[index]
        let dir = E2EDirectory("bad-input")
        let data = dir.sub("data")
        let file = dir.sub("events.ndjson")
        var bytes = Array((e2eSmallFile[0] + "\n").utf8)
        bytes += badLine + [UInt8(ascii: "\n")]
        bytes += Array((e2eSmallFile[1] + "\n").utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let append = try cxledger(["append", "--data", data, file], in: dir)
        #expect(append.status != 0, "\(name)")
        #expect(append.status < 128, "\(name): the process crashed (status \(append.status))")
        #expect(append.stderr.contains("line 2"), "\(name): \(append.stderr)")
        if let mention { #expect(append.stderr.contains(mention), "\(name): \(append.stderr)") }
        if FileManager.default.fileExists(atPath: data + "/data.mdb") {
            #expect(try e2eVerifiedHead(data, in: dir).0 == 0, "\(name) wrote something")
        }
    }

    @Test("serve refuses option values it cannot honour, naming the option, before touching the data",
          arguments: [["--idle-timeout", "0"], ["--idle-timeout", "nan"], ["--idle-timeout", "-5"],
                      ["--max-body-bytes", "0"], ["--max-batch-events", "0"], ["--socket-mode", "999"]])
    func serveRefusesBadOptions(_ option: [String]) throws {
        let dir = E2EDirectory("serve-options")
        let data = dir.sub("data")
        let serve = try cxledger(["serve", "--data", data] + option, in: dir)
        #expect(serve.status != 0, "\(option)")
        #expect(serve.status < 128, "\(option): the process crashed (status \(serve.status))")
        #expect(serve.stderr.contains(option[0]), "\(option): \(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data), "\(option): the data directory was created")
    }

    @Test("replay, verify and backup work while another process appends")
    func readersDuringAppend() throws {
        let dir = E2EDirectory("concurrent")
        let data = dir.sub("data")
        let file = dir.sub("big.ndjson")
        let total = 40_000
        try e2eWrite((1...total).map { e2eInteraction($0, salt: 7) }, to: file)
        // Something is there before the readers start.
        try e2eWrite(e2eSmallFile, to: dir.sub("small.ndjson"))
        #expect(try cxledger(["append", "--data", data, dir.sub("small.ndjson")], in: dir).status == 0)

        let writer = try E2EProcess(["append", "--data", data, "--batch", "500", file], in: dir)
        var rounds = 0
        var backups: [String] = []
        repeat {
            rounds += 1
            let replay = try cxledger(["replay", "--data", data], in: dir)
            #expect(replay.status == 0, "\(replay.stderr)")
            let lines = replay.lines
            #expect(lines.count >= 6)
            // A reader sees a prefix of the log: gap-free, chained, and ending on a whole batch.
            try e2eAuditReplay(lines)
            #expect((lines.count - 6) % 500 == 0)
            let verify = try cxledger(["verify", "--data", data], in: dir)
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(try e2eHead(verify).0 >= lines.count)
            if backups.count < 2 {
                let out = dir.sub("backup-\(rounds)")
                let backup = try cxledger(["backup", "--data", data, out], in: dir)
                #expect(backup.status == 0, "\(backup.stderr)")
                backups.append(out)
            }
        } while writer.isRunning && rounds < 50

        let appended = try writer.finish()
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(appended.out == "appended \(total) events, 0 already present\n")
        let final = try cxledger(["replay", "--data", data], in: dir)
        let envelopes = try e2eAuditReplay(final.lines)
        #expect(envelopes.count == total + 6)
        let (headPosition, headHash) = try e2eVerifiedHead(data, in: dir)
        #expect(headPosition == total + 6)
        #expect(headHash == envelopes.last?["hash"]?.stringValue)
        // Each backup verifies on its own, and holds a prefix of the final log.
        for backup in backups {
            let (position, hash) = try e2eVerifiedHead(backup, in: dir)
            #expect(position >= 6 && position <= total + 6)
            #expect(hash == envelopes[position - 1]["hash"]?.stringValue)
        }
    }

    @Test("verify on a tampered copy exits non-zero and names the position")
    func tamperedCopy() throws {
        let dir = E2EDirectory("tampered")
        let data = dir.sub("data")
        try e2eWrite(e2eSmallFile, to: dir.sub("events.ndjson"))
        #expect(try cxledger(["append", "--data", data, dir.sub("events.ndjson")], in: dir).status == 0)
        let copy = dir.sub("copy")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data + "/data.mdb", toPath: copy + "/data.mdb")
        #expect(try e2eVerifiedHead(copy, in: dir).0 == 6)

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: copy + "/data.mdb")))
        let needle = Array("unique-e2e-summary-three".utf8)
        var flipped = 0
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                bytes[i + 7] = UInt8(ascii: "E") // "unique-e2e…" → "unique-E2e…"
                flipped += 1
            }
            i += 1
        }
        #expect(flipped >= 1)
        try Data(bytes).write(to: URL(fileURLWithPath: copy + "/data.mdb"))
        let verify = try cxledger(["verify", "--data", copy], in: dir)
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("position 3"), "\(verify.stderr)")
        let report = try JSONParser.parse(verify.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["firstBadPosition"]?.intValue == 3)
        // The original is untouched.
        #expect(try e2eVerifiedHead(data, in: dir).0 == 6)
    }
}
