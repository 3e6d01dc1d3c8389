import Crypto

/// SPEC guarantee 6: hash = SHA-256(previous hash bytes ‖ canonical JSON of the envelope without `hash`).
public enum HashChain {
    /// What the first event chains from.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The link of an envelope whose canonical bytes without `hash` are `head ‖ tail`.
    /// The one place the chain formula lives: the writer and `verify` both call it.
    static func digest(previous: UnsafeRawBufferPointer, head: UnsafeRawBufferPointer,
                       tail: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        hasher.update(bufferPointer: head)
        hasher.update(bufferPointer: tail)
        return hasher.finalize()
    }
}
