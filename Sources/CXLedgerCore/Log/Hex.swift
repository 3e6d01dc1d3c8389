/// Lower-case hexadecimal, as the hash chain prints it.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>, into out: inout [UInt8]) {
        for b in bytes {
            out.append(digit(b >> 4))
            out.append(digit(b & 0x0f))
        }
    }

    /// Writes the digits of `bytes` over the start of `out`, which holds at least twice as many bytes.
    static func encode(_ bytes: UnsafeRawBufferPointer, over out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 2 * bytes.count)
        for i in 0..<bytes.count {
            out[2 * i] = digit(bytes[i] >> 4)
            out[2 * i + 1] = digit(bytes[i] & 0x0f)
        }
    }

    static func string(_ bytes: some Collection<UInt8>) -> String {
        // Written into the string's own storage: no array grown and then copied.
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in
            var i = 0
            for b in bytes {
                out[i] = digit(b >> 4)
                out[i + 1] = digit(b & 0x0f)
                i += 2
            }
            return i
        }
    }

    /// The 32 bytes of a 64-digit lower-case hex string, or nil.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for c in text {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }

    /// Whether `hex` (lower-case) spells exactly `bytes`.
    static func matches(_ hex: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard hex.count == bytes.count * 2 else { return false }
        for i in 0..<bytes.count {
            let b = bytes[i]
            if hex[2 * i] != digit(b >> 4) || hex[2 * i + 1] != digit(b & 0x0f) { return false }
        }
        return true
    }

    /// Decodes lower-case hex digits into `out` (half as many bytes); false when they are not hex.
    static func decode(_ hex: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard hex.count == out.count * 2 else { return false }
        return out.withUnsafeMutableBufferPointer { out in
            var bad: UInt8 = 0
            for i in 0..<out.count {
                let high = nibble(hex[2 * i]), low = nibble(hex[2 * i + 1])
                bad |= (high | low) & 0xF0
                out[i] = high << 4 | (low & 0x0F)
            }
            return bad == 0
        }
    }

    /// The lower-case digit for a value below 16 (worked out rather than looked up: `verify` and the writer
    /// call this for every hash).
    @inline(__always)
    private static func digit(_ n: UInt8) -> UInt8 {
        n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") - 10 + n
    }

    /// The value of a lower-case hex digit, or 0xFF for anything else.
    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8 {
        let d = c &- UInt8(ascii: "0")
        if d < 10 { return d }
        let l = c &- UInt8(ascii: "a")
        return l < 6 ? l + 10 : 0xFF
    }
}
