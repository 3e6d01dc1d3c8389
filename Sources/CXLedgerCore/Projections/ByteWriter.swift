/// Appends a projection record's fields in a compact binary form (cheaper than JSON on the append path).
///
/// Integers are little-endian fixed width; strings are length-prefixed UTF-8; optionals carry a presence byte.
/// Records are private to their projection and versioned by its `version`, so the layout may change freely.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    public mutating func int(_ v: Int) {
        withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func byte(_ v: UInt8) { bytes.append(v) }

    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func double(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            int(u.count)
            bytes.append(contentsOf: u)
        }
    }

    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }

    public mutating func time(_ t: Timestamp) { int(Int(t.microseconds)) }

    public mutating func optionalTime(_ t: Timestamp?) {
        bool(t != nil)
        if let t { time(t) }
    }

    public mutating func optionalInt(_ v: Int?) {
        bool(v != nil)
        if let v { int(v) }
    }
}
