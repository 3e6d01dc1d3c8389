import Foundation

/// An identifier as LMDB keys it: by its UTF-8 bytes. Swift's String `==` and hashing follow canonical
/// equivalence ("caf\u{E9}" == "cafe\u{301}"), so a dictionary keyed by String would merge two streams, ids,
/// customers, cases or categories that the log and the projections keep apart.
struct UTF8Key: Hashable, Sendable {
    let bytes: [UInt8]
    /// The bytes' hash, worked out once: a key is often looked up several times, and during a rebuild it is
    /// built on the decoding thread while the folds that look it up run on another.
    private let digest: Int
    /// The length and the first 16 bytes (zero-padded), so that comparing two keys of up to 16 bytes, as most
    /// identifiers are, reads nothing outside the key itself: in a rebuild's dictionaries of 100k+ entries,
    /// following `bytes` to compare was a cache miss in every lookup.
    private let count: Int
    private let head0: UInt64
    private let head1: UInt64

    init(_ string: String) { self.init(bytes: Array(string.utf8)) }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var hasher = Hasher()
        var head = (UInt64(0), UInt64(0))
        bytes.withUnsafeBytes { raw in
            hasher.combine(bytes: raw)
            withUnsafeMutableBytes(of: &head) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(16))) }
        }
        digest = hasher.finalize()
        count = bytes.count
        (head0, head1) = head
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    /// The dictionary's hash without a second SipHash round over the digest, which is one already (seeded per
    /// process); the seed is mixed in because dictionaries vary it to keep their probe sequences apart.
    func _rawHashValue(seed: Int) -> Int {
        Int(bitPattern: (UInt(bitPattern: digest) ^ UInt(bitPattern: seed)) &* 0x9E37_79B9_7F4A_7C15)
    }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        guard a.digest == b.digest, a.count == b.count, a.head0 == b.head0, a.head1 == b.head1 else { return false }
        guard a.count > 16 else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress! + 16, y.baseAddress! + 16, x.count - 16) == 0 } }
    }

    /// The same bytes as a String (Swift keeps the scalars it was given, so this round-trips).
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
