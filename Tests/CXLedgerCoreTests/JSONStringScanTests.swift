import Testing
@testable import CXLedgerCore

@Suite("JSONStringScan: the plain part of a string, eight bytes at a time")
struct JSONStringScanTests {
    private func reference(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x7F { return i }
            i += 1
        }
        return bytes.count
    }

    @Test("agrees with a byte-at-a-time scan from every offset of random buffers")
    func agreesWithByteScan() {
        var rng = SystemRandomNumberGenerator()
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF, 0x20, 0x21, 0x7E]
        for round in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &rng)
            let bytes = (0..<count).map { _ in
                // Mostly plain ASCII, sometimes a byte next to or at a boundary of the ranges.
                Int.random(in: 0..<8, using: &rng) == 0 ? specials.randomElement(using: &rng)!
                    : UInt8.random(in: 0x23...0x5B, using: &rng)
            }
            bytes.withUnsafeBytes { raw in
                for start in 0...count {
                    #expect(JSONStringScan.firstSpecial(raw, from: start) == reference(bytes, from: start),
                            "round \(round) start \(start) bytes \(bytes)")
                }
            }
        }
    }

    @Test("each special byte is found in every lane of a word, after every plain byte value")
    func everyLane() {
        let plain = (0x20...0x7E).map(UInt8.init).filter { $0 != 0x22 && $0 != 0x5C }
        for special in [UInt8(0x22), 0x5C, 0x00, 0x01, 0x1F, 0x7F, 0x80, 0xFF] {
            for lane in 0..<16 {
                for filler in plain {
                    var bytes = [UInt8](repeating: filler, count: 24)
                    bytes[lane] = special
                    bytes.withUnsafeBytes { #expect(JSONStringScan.firstSpecial($0, from: 0) == lane) }
                }
            }
        }
    }
}
