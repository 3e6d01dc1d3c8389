import Testing
@testable import CXLedgerCore

@Suite("RecordedEvent read back from a stored envelope")
struct RecordedEventDecodingTests {
    private func decode(_ text: String) throws -> RecordedEvent {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try RecordedEvent(storedAt: 7, envelope: $0, preparingKeys: true) }
    }

    private let plain = #"{"caseId":"c-1","customerId":"cust-1","data":{"category":"billing"},"hash":"\#(String(repeating: "a", count: 64))","id":"00000000-0000-4000-8000-000000000001","occurredAt":"2026-01-02T04:59:21Z","position":7,"recordedAt":"2026-11-22T17:56:27.545279Z","stream":"case-c-1","streamVersion":1,"type":"case.opened"}"#

    @Test("the members folds read come out of a canonical envelope")
    func canonical() throws {
        let event = try decode(plain)
        #expect(event.type == .caseOpened)
        #expect(event.occurredAt == Timestamp.parseDateTime("2026-01-02T04:59:21Z"))
        #expect(event.recordedAt == Timestamp.parseDateTime("2026-11-22T17:56:27.545279Z"))
        #expect(event.position == 7 && event.streamVersion == 1)
        #expect(event.caseKey == UTF8Key("c-1") && event.customerKey == UTF8Key("cust-1"))
        #expect(event.data["category"] == .string("billing"))
    }

    @Test("escaped strings in the type and the times decode as their unescaped text")
    func escapes() throws {
        let escaped = plain.replacingOccurrences(of: #""case.opened""#, with: #""case\u002eopened""#)
            .replacingOccurrences(of: #""2026-01-02T04:59:21Z""#, with: #""2026-01-02T04:59:21\u005a""#)
            .replacingOccurrences(of: #""2026-11-22T17:56:27.545279Z""#, with: #""2026\u002d11-22T17:56:27.545279Z""#)
        #expect(escaped != plain)
        let event = try decode(escaped)
        #expect(event.type == .caseOpened)
        #expect(event.occurredAt == Timestamp.parseDateTime("2026-01-02T04:59:21Z"))
        #expect(event.recordedAt == Timestamp.parseDateTime("2026-11-22T17:56:27.545279Z"))
    }

    @Test("an unknown type, a bad time or an unterminated string names what is wrong and the position")
    func refusals() {
        for (broken, expected) in [(plain.replacingOccurrences(of: "case.opened", with: "case.openedx"), "type"),
                                   (plain.replacingOccurrences(of: "2026-01-02T04:59:21Z", with: "2026-01-02T04:59:61Z"), "occurredAt"),
                                   (plain.replacingOccurrences(of: "17:56:27.545279Z", with: "17:56:27.545279"), "recordedAt"),
                                   (String(plain.prefix(plain.count - 8)), "stored event 7")] {
            do {
                _ = try decode(broken)
                Issue.record("accepted: \(broken)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
                #expect("\(error)".contains("stored event 7"), "\(error)")
            }
        }
    }

    @Test("numbers and ids the fast path leaves alone go through the parser: same values, same refusals")
    func parserFallbacks() throws {
        let exponent = try decode(plain.replacingOccurrences(of: #""position":7,"#, with: #""position":7e0,"#))
        #expect(exponent.position == 7)
        let escapedId = try decode(plain.replacingOccurrences(of: #""caseId":"c-1""#, with: #""caseId":"c\u002d1""#))
        #expect(escapedId.caseId == "c-1" && escapedId.caseKey == UTF8Key("c-1"))
        // Not UTF-8, or a raw control character: refused, never read as a missing or repaired id.
        var notUTF8 = Array(plain.utf8)
        let at = try #require(notUTF8.firstIndex(of: UInt8(ascii: "-")))  // in "c-1", the caseId
        notUTF8[at] = 0xFF
        #expect(throws: LedgerError.self) { try notUTF8.withUnsafeBytes { try RecordedEvent(storedAt: 7, envelope: $0) } }
        #expect(throws: LedgerError.self) { try decode(plain.replacingOccurrences(of: "cust-1", with: "cust\u{1}1")) }
        #expect(throws: LedgerError.self) { try decode(plain.replacingOccurrences(of: #""position":7,"#, with: #""position":07,"#)) }
        // In the type and the times too: refused as JSON, as the parser always refused them, never read as a
        // missing or invalid value that a repeated member could then replace.
        for (text, bad) in [("case.opened", "case.op\u{1}ned"), ("04:59:21Z", "04:59:2\u{1}Z")] {
            let broken = plain.replacingOccurrences(of: text, with: bad)
            #expect(broken != plain)
            #expect { try decode(broken) } throws: { ($0 as? LedgerError)?.code == .invalidJSON }
            var raw = Array(plain.utf8)
            let start = try #require(raw.indices.first { raw[$0...].starts(with: Array(text.utf8)) })
            raw[start + 2] = 0xFF
            #expect { try raw.withUnsafeBytes { try RecordedEvent(storedAt: 7, envelope: $0) } } throws: {
                ($0 as? LedgerError)?.code == .invalidJSON
            }
        }
    }

    /// The record as the log stores it: the offset of the hash member (little-endian), then the envelope.
    private func record(_ text: String, hashAt offset: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(offset).littleEndian) { Array($0) } + Array(text.utf8)
    }

    @Test("data found from the record's hash offset reads as data found by reading through it")
    func dataFromTheHashOffset() throws {
        let rich = plain.replacingOccurrences(of: #"{"category":"billing"}"#,
                                              with: #"{"category":"bil}ling","nested":{"a":[1,{"b":"}"}]},"z":"\""}"#)
        let hashAt = try #require(Array(rich.utf8).indices.first { Array(rich.utf8)[$0...].starts(with: Array(#""hash":""#.utf8)) })
        let bytes = record(rich, hashAt: hashAt)
        let fast = try bytes.withUnsafeBytes { raw in
            let stored = StoredRecord(bytes: raw)
            #expect(stored.hashMemberOffset == hashAt)
            return try RecordedEvent(storedAt: 7, record: stored, preparingKeys: true)
        }
        let slow = try decode(rich)
        for name in ["category", "nested", "z", "absent"] { #expect(fast.data[name] == slow.data[name]) }
        #expect(fast.data["category"] == .string("bil}ling"))
        #expect(fast.id == slow.id && fast.type == slow.type && fast.position == slow.position)

        // A header that does not point at the hash member is not trusted: data is read through as before.
        for wrong in [0, hashAt - 1, hashAt + 1, 1 << 30] {
            let event = try record(rich, hashAt: wrong).withUnsafeBytes { raw in
                let stored = StoredRecord(bytes: raw)
                #expect(stored.hashMemberOffset == nil)
                return try RecordedEvent(storedAt: 7, record: stored, preparingKeys: true)
            }
            #expect(event.data["nested"] == slow.data["nested"])
        }
    }

    @Test("member names match whole: one byte off at either end, or one longer, and the member is not read")
    func memberNamesMatchWhole() throws {
        let withMetadata = plain.replacingOccurrences(of: #","occurredAt""#, with: #","metadata":{"actor":"al"},"occurredAt""#)
        let event = try decode(withMetadata)
        #expect(event.metadata?["actor"] == "al" && event.caseId == "c-1" && event.customerId == "cust-1")
        for name in ["position", "stream", "streamVersion", "recordedAt", "id", "type", "occurredAt", "data"] {
            for wrong in [String(name.dropLast()) + "_", "_" + name.dropFirst(), name + "s"] {
                let broken = withMetadata.replacingOccurrences(of: #""\#(name)":"#, with: #""\#(wrong)":"#)
                #expect(broken != withMetadata)
                #expect(throws: LedgerError.self, "\(wrong)") { try decode(broken) }
            }
        }
        for wrong in ["caseIx", "xaseId", "caseIds"] {
            #expect(try decode(withMetadata.replacingOccurrences(of: #""caseId":"#, with: #""\#(wrong)":"#)).caseId == nil)
        }
        for wrong in ["customerIx", "xustomerId", "customerIds"] {
            #expect(try decode(withMetadata.replacingOccurrences(of: #""customerId":"#, with: #""\#(wrong)":"#)).customerId == nil)
        }
        for wrong in ["metadatx", "xetadata", "metadatas"] {
            #expect(try decode(withMetadata.replacingOccurrences(of: #""metadata":"#, with: #""\#(wrong)":"#)).metadata == nil)
        }
    }
}
