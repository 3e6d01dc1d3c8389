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

    @Test("keys sort in LMDB's order: bytes first, then the shorter first, across the 16-byte boundary too")
    func orderIsLMDBs() {
        var rng = SystemRandomNumberGenerator()
        var keys: [[UInt8]] = [[], [0], [0, 0], [1], [0xFF], Array(repeating: 0, count: 16), Array(repeating: 0, count: 17),
                               Array(repeating: 0xFF, count: 16) + [0], Array(repeating: 0xFF, count: 16)]
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...24, using: &rng)
            keys.append((0..<length).map { j in j < 12 ? UInt8(ascii: "k") : UInt8.random(in: 0...2, using: &rng) * 0x7F })
        }
        func lmdbPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return x < y }
            return a.count < b.count
        }
        for _ in 0..<20_000 {
            let a = keys.randomElement(using: &rng)!, b = keys.randomElement(using: &rng)!
            #expect(UTF8Key(bytes: a).precedes(UTF8Key(bytes: b)) == lmdbPrecedes(a, b), "\(a) \(b)")
        }
        #expect(keys.map { UTF8Key(bytes: $0) }.sorted { $0.precedes($1) }.map(\.bytes) == keys.sorted(by: lmdbPrecedes))
    }
}
