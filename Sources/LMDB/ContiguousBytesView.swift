/// Anything that can lend its bytes as a raw buffer: keys and values given to LMDB.
public protocol ContiguousBytesView {
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytesView where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: ContiguousBytesView where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension String: ContiguousBytesView {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension UnsafeRawBufferPointer: ContiguousBytesView {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

/// A key made of a big-endian UInt64, so byte order is numeric order.
public struct BigEndianKey: ContiguousBytesView, Sendable, Hashable {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public init(_ value: Int) { self.value = UInt64(value) }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var be = value.bigEndian
        return try withUnsafeBytes(of: &be, body)
    }

    /// Reads a key written by `BigEndianKey`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }
}
