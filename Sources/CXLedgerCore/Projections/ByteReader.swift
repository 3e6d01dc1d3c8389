/// Reads what `ByteWriter` wrote, in the same order. A short or damaged record reads as zeros and empties
/// rather than trapping, and `isValid` turns false.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    public private(set) var isValid = true

    /// `bytes` must stay valid while the reader is used (an LMDB value inside its transaction, or an array's buffer).
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func take(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, offset + n <= bytes.count else {
            isValid = false
            return nil
        }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    }

    public mutating func int() -> Int {
        guard let b = take(8) else { return 0 }
        return Int(Int64(littleEndian: b.loadUnaligned(as: Int64.self)))
    }

    public mutating func byte() -> UInt8 { take(1)?.first ?? 0 }

    public mutating func bool() -> Bool { byte() != 0 }

    public mutating func double() -> Double {
        guard let b = take(8) else { return 0 }
        return Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(as: UInt64.self)))
    }

    public mutating func string() -> String {
        let n = int()
        guard let b = take(n) else { return "" }
        return String(decoding: b, as: UTF8.self)
    }

    public mutating func optionalString() -> String? { bool() ? string() : nil }

    public mutating func time() -> Timestamp { Timestamp(microseconds: Int64(int())) }

    public mutating func optionalTime() -> Timestamp? { bool() ? time() : nil }

    public mutating func optionalInt() -> Int? { bool() ? int() : nil }
}
