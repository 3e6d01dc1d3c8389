/// RFC 8785 (JSON Canonicalization Scheme) serialisation: the exact bytes the ledger's hash chain covers.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(value, into: &out)
        return out
    }

    public static func encode(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            appendASCII("null", to: &out)
        case .bool(let b):
            appendASCII(b ? "true" : "false", to: &out)
        case .number(let d):
            encodeNumber(d, into: &out)
        case .string(let s):
            encodeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                encode(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { utf16Precedes($0.key, $1.key) }
            var first = true
            for (key, member) in sorted {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                encodeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                encode(member, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Escapes only what RFC 8785 requires; everything else, including U+007F and '/', is copied as UTF-8.
    public static func encodeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            for k in 0..<utf8.count {
                let c = utf8[k]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<k])) }
                runStart = k + 1
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            lowerHex[Int(c >> 4)], lowerHex[Int(c & 0xF)]])
                }
            }
            if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// ECMAScript Number.prototype.toString, as RFC 8785 section 3.2.2.3 requires.
    ///
    /// NaN and the infinities have no JSON form. The parser never produces them, and a value built in code that
    /// holds one is written as `null` (what ECMAScript's JSON.stringify does) rather than trapping a server.
    public static func encodeNumber(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            appendASCII("null", to: &out)
            return
        }
        if d == 0 {
            // Covers -0, which ECMAScript prints as "0".
            out.append(UInt8(ascii: "0"))
            return
        }
        // Below 2^53 every integer is a distinct double, so its shortest digits are its own decimal digits.
        if d.magnitude < 9_007_199_254_740_992 {
            let integer = Int64(d)
            if Double(integer) == d {
                appendInteger(integer, to: &out)
                return
            }
        }

        // Swift's description yields the shortest digits that round-trip, choosing the closest when several
        // qualify, which is the same digit string ECMAScript asks for; only its layout differs.
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointPosition = 0 // ECMAScript's n: the value is 0.d1d2... × 10^n
        var text = d.magnitude.description
        text.withUTF8 { utf8 in
            var sawPoint = false
            var integerDigits = 0
            var k = 0
            while k < utf8.count {
                let c = utf8[k]
                if c == UInt8(ascii: ".") {
                    sawPoint = true
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    break
                } else {
                    if digits.isEmpty && c == UInt8(ascii: "0") {
                        // Leading zeros carry no digits; in the fraction they shift the point left.
                        if sawPoint { integerDigits -= 1 }
                    } else {
                        digits.append(c)
                        if !sawPoint { integerDigits += 1 }
                    }
                }
                k += 1
            }
            var exponent = 0
            if k < utf8.count {
                k += 1
                var negative = false
                if utf8[k] == UInt8(ascii: "-") { negative = true; k += 1 } else if utf8[k] == UInt8(ascii: "+") { k += 1 }
                while k < utf8.count {
                    exponent = exponent * 10 + Int(utf8[k] - UInt8(ascii: "0"))
                    k += 1
                }
                if negative { exponent = -exponent }
            }
            pointPosition = integerDigits + exponent
        }
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }

        if d < 0 { out.append(UInt8(ascii: "-")) }
        let k = digits.count
        let n = pointPosition
        if k <= n && n <= 21 {
            out.append(contentsOf: digits)
            for _ in 0..<(n - k) { out.append(UInt8(ascii: "0")) }
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: digits[0..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            for _ in 0..<(-n) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let e = n - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            appendInteger(Int64(e.magnitude), to: &out)
        }
    }

    /// Whether `a` sorts before `b` when both are compared as UTF-16 code units (RFC 8785 section 3.2.3).
    ///
    /// UTF-8 byte order equals code point order, which agrees with UTF-16 order except where a supplementary
    /// character (UTF-16 surrogates D800-DFFF, UTF-8 lead F0-F4) meets a character in U+E000-U+FFFF (UTF-8
    /// lead EE-EF): there UTF-16 puts the supplementary character first. Bytes are compared and that one case
    /// is flipped, which avoids transcoding every key.
    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        if let result = a.utf8.withContiguousStorageIfAvailable({ ua in
            b.utf8.withContiguousStorageIfAvailable { ub in utf16Precedes(ua, ub) }
        }), let result {
            return result
        }
        return utf16Precedes(Array(a.utf8), Array(b.utf8))
    }

    static func utf16Precedes(_ a: some RandomAccessCollection<UInt8>, _ b: some RandomAccessCollection<UInt8>) -> Bool {
        var ia = a.startIndex
        var ib = b.startIndex
        while ia != a.endIndex && ib != b.endIndex {
            let x = a[ia]
            let y = b[ib]
            if x != y {
                if x >= 0xF0 && (y == 0xEE || y == 0xEF) { return true }
                if y >= 0xF0 && (x == 0xEE || x == 0xEF) { return false }
                return x < y
            }
            a.formIndex(after: &ia)
            b.formIndex(after: &ib)
        }
        return ia == a.endIndex && ib != b.endIndex
    }

    private static let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendASCII(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        var v = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: room for any UInt64's 20 digits
        withUnsafeMutableBytes(of: &buffer) { raw in
            var k = raw.count
            repeat {
                k -= 1
                raw[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v != 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[k...]))
        }
    }
}
