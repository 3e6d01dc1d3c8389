import Testing
@testable import CXLedgerCore

@Suite("UTF8Key: identifiers compared by their bytes")
struct UTF8KeyTests {
    @Test("canonically equivalent strings stay apart; the same bytes are one key")
    func bytesNotCharacters() {
        #expect(UTF8Key("caf\u{E9}") != UTF8Key("cafe\u{301}"))
        #expect(UTF8Key("caf\u{E9}") == UTF8Key(bytes: Array("caf\u{E9}".utf8)))
        #expect(UTF8Key("caf\u{E9}").hashValue == UTF8Key(bytes: Array("caf\u{E9}".utf8)).hashValue)
    }

    @Test("keys that differ only in length, or only after their first 16 bytes, are different keys")
    func lengthAndTail() {
        #expect(UTF8Key(bytes: [0x61, 0x62]) != UTF8Key(bytes: [0x61, 0x62, 0]))
        #expect(UTF8Key(bytes: []) != UTF8Key(bytes: [0]))
        #expect(UTF8Key(bytes: []) == UTF8Key(""))
        let prefix = "customer-0000000"  // 16 bytes
        #expect(UTF8Key(prefix + "1") != UTF8Key(prefix + "2"))
        #expect(UTF8Key(prefix + "-tail") == UTF8Key(prefix + "-tail"))
        #expect(UTF8Key(prefix) != UTF8Key(prefix + "x"))
    }

    @Test("a dictionary keyed by UTF8Key finds exactly what one keyed by the byte arrays finds")
    func dictionaryAgreesWithBytes() {
        var rng = SystemRandomNumberGenerator()
        var reference: [[UInt8]: Int] = [:]
        var keyed: [UTF8Key: Int] = [:]
        // Short alphabets and shared prefixes, so that digests, heads and lengths collide in every combination.
        for i in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            let bytes = (0..<length).map { j in j < 14 ? UInt8(ascii: "c") : UInt8.random(in: 0...2, using: &rng) }
            reference[bytes] = i
            keyed[UTF8Key(bytes: bytes)] = i
        }
        #expect(keyed.count == reference.count)
        for (bytes, value) in reference { #expect(keyed[UTF8Key(bytes: bytes)] == value) }
    }
}
