import Foundation

/// An identifier as LMDB keys it: by its UTF-8 bytes. Swift's String `==` and hashing follow canonical
/// equivalence ("caf\u{E9}" == "cafe\u{301}"), so a dictionary keyed by String would merge two streams, ids,
/// customers, cases or categories that the log and the projections keep apart.
struct UTF8Key: Hashable, Sendable {
    let bytes: [UInt8]
    /// The bytes' hash, worked out once: a key is often looked up several times, and during a rebuild it is
    /// built on the decoding thread while the folds that look it up run on another.
    private let digest: Int

    init(_ string: String) { self.init(bytes: Array(string.utf8)) }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        digest = hasher.finalize()
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        guard a.digest == b.digest, a.bytes.count == b.bytes.count else { return false }
        guard !a.bytes.isEmpty else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// The same bytes as a String (Swift keeps the scalars it was given, so this round-trips).
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
