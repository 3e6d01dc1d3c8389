/// The byte key whose order is SPEC's "most urgent first": earliest unmet due time (none last), then highest
/// escalation level, then earliest `openedAt`, then earliest position of the `case.opened` (unique, so no ties).
/// Its hex form is the open-cases paging cursor.
public struct UrgencyKey: Sendable, Hashable {
    public static let size = 33
    public let bytes: [UInt8]

    public init(_ r: CaseRecord) {
        var b: [UInt8] = []
        b.reserveCapacity(Self.size)
        func be(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { b.append(contentsOf: $0) } }
        // Flipping the sign bit makes signed microseconds sort as unsigned bytes.
        func time(_ t: Timestamp) { be(UInt64(bitPattern: t.microseconds) ^ (1 << 63)) }
        if let due = r.earliestUnmetDue {
            b.append(0)
            time(due)
        } else {
            b.append(1)
            be(0)
        }
        be(UInt64.max - UInt64(max(0, r.escalationLevel)))
        time(r.openedAt)
        be(UInt64(max(0, r.openedPosition)))
        bytes = b
    }

    public init?(cursor: String) {
        guard let raw = Hex.decode(Array(cursor.utf8)), raw.count == Self.size else { return nil }
        bytes = raw
    }

    public var cursor: String { Hex.string(bytes) }
}
