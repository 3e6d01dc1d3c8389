import Foundation

/// An identifier as LMDB keys it: by its UTF-8 bytes. Swift's String `==` and hashing follow canonical
/// equivalence ("caf\u{E9}" == "cafe\u{301}"), so a dictionary keyed by String would merge two streams, ids,
/// customers, cases or categories that the log and the projections keep apart.
struct UTF8Key: Hashable, Sendable {
    /// The bytes' hash, worked out once: a key is often looked up several times, and during a rebuild it is
    /// built on the decoding thread while the folds that look it up run on another.
    private let digest: Int
    /// The length and the first 16 bytes (zero-padded), kept inline: most identifiers are that short, and such a
    /// key then costs no allocation to make, no reference count to copy, and no memory outside itself to compare.
    /// In a rebuild's dictionaries of 100k+ entries, following an array of bytes to compare was a cache miss in
    /// every lookup, and its reference count was bumped by two threads for every event they both folded.
    private let count: Int
    private let head0: UInt64
    private let head1: UInt64
    /// Every byte, for a key longer than 16 (nil otherwise).
    private let long: [UInt8]?

    init(_ string: String) {
        var string = string
        self = string.withUTF8 { UTF8Key(UnsafeRawBufferPointer($0), keeping: nil) }
    }

    init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { UTF8Key($0, keeping: bytes) }
    }

    init(bytes: UnsafeRawBufferPointer) {
        self.init(bytes, keeping: nil)
    }

    private init(_ raw: UnsafeRawBufferPointer, keeping array: [UInt8]?) {
        var hasher = Hasher()
        hasher.combine(bytes: raw)
        digest = hasher.finalize()
        count = raw.count
        var head = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &head) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(16))) }
        (head0, head1) = head
        long = raw.count > 16 ? (array ?? Array(raw)) : nil
    }

    /// The key's bytes, valid only during the call.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let long { return try long.withUnsafeBytes(body) }
        return try withUnsafeBytes(of: (head0, head1)) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
    }

    var bytes: [UInt8] { long ?? withBytes { Array($0) } }

    func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    /// The dictionary's hash without a second SipHash round over the digest, which is one already (seeded per
    /// process). The seed, which dictionaries vary to keep their probe sequences apart, is mixed into every bit
    /// (a 64-bit finaliser), since a dictionary indexes its buckets with the low bits alone.
    func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: Self.mix(UInt64(UInt(bitPattern: digest)) ^ UInt64(UInt(bitPattern: seed))))
    }

    /// A mix of the length and the first 16 bytes that is the same in every process, unlike the digest (seeded
    /// per process): it shares keys out between a rebuild's fold threads, and a test can tell which share a key
    /// falls to.
    var spread: UInt64 {
        Self.mix(head0 ^ Self.mix(head1 ^ UInt64(count)))
    }

    /// A 64-bit finaliser: every input bit moves every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        guard a.digest == b.digest, a.count == b.count, a.head0 == b.head0, a.head1 == b.head1 else { return false }
        guard let x = a.long, let y = b.long else { return true }
        return x == y
    }

    /// Whether this key sorts before `other` in LMDB's default key order (memcmp, then the shorter first).
    /// The inline first 16 bytes decide most pairs without a look at any other memory.
    func precedes(_ other: UTF8Key) -> Bool {
        // Byte-swapped to big-endian, a word compares as its bytes do, first byte first.
        if head0 != other.head0 { return head0.bigEndian < other.head0.bigEndian }
        if head1 != other.head1 { return head1.bigEndian < other.head1.bigEndian }
        // The first 16 bytes agree, so a key of at most 16 bytes is a prefix of the other (the zero padding
        // stands for no bytes, not for zero bytes: the lengths tell them apart).
        guard let x = long, let y = other.long else { return count < other.count }
        return bytesPrecede(x, y)
    }

    /// The same bytes as a String (Swift keeps the scalars it was given, so this round-trips).
    var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }
}
