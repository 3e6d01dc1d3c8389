/// The rules for identifiers (customer, case, criterion ids, owners, template ids): 1 to 128 bytes of UTF-8, no control characters.
public enum Identifier {
    public static let maxBytes = 128

    /// The reason `s` is not a valid identifier, or nil when it is one.
    public static func problem(with s: String) -> String? {
        var s = s
        return s.withUTF8 { bytes -> String? in
            guard bytes.count >= 1, bytes.count <= maxBytes else {
                return "must be 1 to 128 bytes of UTF-8"
            }
            // In UTF-8, C0 and DEL are single bytes and C1 (U+0080…U+009F) is 0xC2 followed by 0x80…0x9F,
            // so a byte scan finds every control character without decoding scalars.
            var previous: UInt8 = 0
            for b in bytes {
                if b < 0x20 || b == 0x7F || (previous == 0xC2 && b >= 0x80 && b <= 0x9F) {
                    return "must not contain control characters"
                }
                previous = b
            }
            return nil
        }
    }

    public static func isValid(_ s: String) -> Bool {
        problem(with: s) == nil
    }

    /// Throws `invalid_event` naming `field` when `s` is not a valid identifier.
    public static func validate(_ s: String, field: String) throws(LedgerError) {
        if let reason = problem(with: s) {
            throw LedgerError.invalidEvent(field, reason)
        }
    }
}
