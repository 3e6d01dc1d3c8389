import Foundation

/// Reads a JSON scalar where its bytes lie, for the common kinds only: a string without escapes, a literal, or an
/// integer of at most 15 digits. Anything else reads as nil and is left to the parser.
///
/// Stored events are read member by member, and nearly every member read is of these kinds: starting the parser
/// for each cost more than the reading.
enum JSONScalar {
    /// The value starting at `start` and the offset after it, when it is of a kind read here and ends a member
    /// (a `,` or `}` follows a number). What the parser refuses (control characters or bytes that are not UTF-8 in
    /// a string, leading zeros) reads as nil, so the parser refuses it as before.
    static func read(_ b: UnsafeRawBufferPointer, at start: Int) -> (value: JSONValue, end: Int)? {
        guard start < b.count else { return nil }
        func literal(_ text: StaticString, _ value: JSONValue) -> (JSONValue, Int)? {
            let n = text.utf8CodeUnitCount
            guard start + n <= b.count, memcmp(b.baseAddress! + start, text.utf8Start, n) == 0 else { return nil }
            return (value, start + n)
        }
        switch b[start] {
        case UInt8(ascii: "\""):
            // ASCII needs no validating; `String(validating:)` looked up generic metadata on every call, which cost
            // more than the rest of reading the string.
            if let contents = JSONStringScan.plainContents(b, at: start) {
                return (.string(String(decoding: UnsafeRawBufferPointer(rebasing: b[contents]), as: UTF8.self)), contents.upperBound + 1)
            }
            // Past bytes that are not ASCII (DEL included), which the scan stops at too, then validated whole.
            var end = JSONStringScan.firstSpecial(b, from: start + 1)
            while end < b.count, b[end] >= 0x7F { end = JSONStringScan.firstSpecial(b, from: end + 1) }
            guard end < b.count, b[end] == UInt8(ascii: "\"") else { return nil }
            guard let string = String(validating: UnsafeRawBufferPointer(rebasing: b[(start + 1)..<end]), as: UTF8.self) else {
                return nil
            }
            return (.string(string), end + 1)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let negative = b[start] == UInt8(ascii: "-")
            var i = negative ? start + 1 : start
            let first = i
            var n = 0
            while i < b.count, i - first < 15, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard i > first, i < b.count, b[i] == UInt8(ascii: ",") || b[i] == UInt8(ascii: "}"),
                  b[first] != UInt8(ascii: "0") || i == first + 1 else { return nil }
            return (.number(negative ? -Double(n) : Double(n)), i)
        default:
            return nil
        }
    }
}
