/// Finds where the plain part of a JSON string ends, eight bytes at a time.
///
/// Decoding a rebuild's million stored envelopes spent a fifth of its time stepping through string bytes one at a
/// time, three comparisons each; strings are long runs of bytes that need no attention.
enum JSONStringScan {
    /// The offset of the first byte at or after `start` that is a quote, a backslash, a control character (below
    /// 0x20), DEL or not ASCII; `bytes.count` when there is none.
    static func firstSpecial(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return bytes.count }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// The high bit of each zero byte of `v` is set, and maybe of bytes above the first zero (borrows), so the
        /// lowest set bit is exact; likewise for bytes below 0x20 when their own high bit is clear.
        @inline(__always) func zeros(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        var i = start
        #if _endian(little)
        while i + 8 <= bytes.count {
            // Little-endian: the lowest byte of the word is the first in memory.
            let x = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let special = zeros(x ^ (ones &* 0x22)) | zeros(x ^ (ones &* 0x5C)) | zeros(x ^ (ones &* 0x7F))
                | ((x &- ones &* 0x20) & ~x & highs) | (x & highs)
            if special != 0 { return i + special.trailingZeroBitCount / 8 }
            i += 8
        }
        #endif
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x7F { return i }
            i += 1
        }
        return bytes.count
    }

    /// Where the contents of the string starting at `start` lie, when it is printable ASCII without escapes (as
    /// nearly every stored identifier, type and time is); nil for anything else, which is left to slower paths.
    static func plainContents(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Range<Int>? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { return nil }
        let end = firstSpecial(bytes, from: start + 1)
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        return (start + 1)..<end
    }
}
