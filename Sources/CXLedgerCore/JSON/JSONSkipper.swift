/// Finds where a JSON value ends without building it, for reading canonical JSON member by member.
enum JSONSkipper {
    /// The offset just past the value starting at `start` (JSON without whitespace), or nil when it does not end
    /// inside `bytes`. Only the nesting is checked, not the tokens: strings end at an unescaped quote, a container
    /// where its depth returns to zero (whether it closes with `}` or `]` is not checked), anything else at the
    /// next `,`, `}` or `]`. Parsing the value, when it is read, checks the rest.
    static func endOfValue(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Int? {
        var i = start
        var depth = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                    // Runs of plain bytes at a time; a backslash skips the byte it escapes.
                    if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                    i = JSONStringScan.firstSpecial(bytes, from: i + 1)
                }
                guard i < bytes.count else { return nil }
                i += 1
                if depth == 0 { return i }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { return i > start ? i : nil }
                depth -= 1
                i += 1
                if depth == 0 { return i }
            case UInt8(ascii: ","):
                guard depth > 0 else { return i > start ? i : nil }
                i += 1
            default:
                i += 1
            }
        }
        return depth == 0 && i > start ? i : nil
    }
}
