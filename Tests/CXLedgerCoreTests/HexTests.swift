import Testing
@testable import CXLedgerCore

@Suite("Hex digits of the hash chain")
struct HexTests {
    @Test("decoding into a buffer round-trips every byte value and refuses anything but lower-case hex digits")
    func decodeInto() {
        let bytes = (0...255).map { UInt8($0) }
        var hex: [UInt8] = []
        Hex.encode(bytes, into: &hex)
        var out = [UInt8](repeating: 0, count: bytes.count)
        #expect(hex.withUnsafeBytes { Hex.decode($0, into: &out) })
        #expect(out == bytes)
        #expect(hex.withUnsafeBytes { h in bytes.withUnsafeBytes { Hex.matches(h, $0) } })

        for bad in ["A", "F", "g", "G", "/", ":", "`", "@", " ", "\u{0}", "\u{FF}"] {
            for at in [0, 1, 63] {
                var text = Array(String(repeating: "0", count: 64).utf8)
                let replacement = Array(bad.utf8)
                text.replaceSubrange(at..<(at + 1), with: replacement)
                guard text.count == 64 else { continue }
                var digest = [UInt8](repeating: 0, count: 32)
                #expect(!text.withUnsafeBytes { Hex.decode($0, into: &digest) }, "\(bad) at \(at)")
            }
        }
    }

    @Test("matching needs every digit: one changed digit anywhere, or the wrong length, does not match")
    func matches() {
        let bytes: [UInt8] = (0..<32).map { UInt8(($0 * 37 + 11) & 0xFF) }
        var hex: [UInt8] = []
        Hex.encode(bytes, into: &hex)
        for i in 0..<hex.count {
            var changed = hex
            changed[i] = changed[i] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            #expect(!changed.withUnsafeBytes { h in bytes.withUnsafeBytes { Hex.matches(h, $0) } }, "digit \(i)")
        }
        #expect(!Array(hex.dropLast()).withUnsafeBytes { h in bytes.withUnsafeBytes { Hex.matches(h, $0) } })
    }
}
