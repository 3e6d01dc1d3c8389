/// Event ids: UUIDs in 8-4-4-4-12 hex form, stored in lower case, generated as random version 4 when absent.
public enum EventID {
    /// The lower-case form of a UUID string in any case, or nil when `s` is not one.
    public static func normalize(_ s: String) -> String? {
        var s = s
        var hasUpper = false
        let ok = s.withUTF8 { b -> Bool in
            guard b.count == 36 else { return false }
            for i in 0..<36 {
                let c = b[i]
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    if c != UInt8(ascii: "-") { return false }
                } else if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) {
                    continue
                } else if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") {
                    hasUpper = true
                } else {
                    return false
                }
            }
            return true
        }
        guard ok else { return nil }
        // Most senders already use lower case; returning the same string then saves an allocation.
        guard hasUpper else { return s }
        return String(decoding: s.utf8.map { ($0 >= 65 && $0 <= 70) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    public static func isValid(_ s: String) -> Bool {
        normalize(s) != nil
    }

    /// A fresh random (version 4, RFC 4122 variant) UUID in lower case.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let r1: UInt64 = generator.next()
        let r2: UInt64 = generator.next()
        // Version nibble 4 (bits 12-15 of the high word) and variant 10xx (top bits of the low word).
        let hi = (r1 & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let lo = (r2 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for n in 0..<32 {
            if n == 8 || n == 12 || n == 16 || n == 20 { out.append(UInt8(ascii: "-")) }
            let word = n < 16 ? hi : lo
            let shift = UInt64(60 - (n % 16) * 4)
            out.append(hex[Int((word >> shift) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
