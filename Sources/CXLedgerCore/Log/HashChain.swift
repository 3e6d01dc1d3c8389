import Crypto

/// SPEC guarantee 6: hash = SHA-256(previous hash bytes ‖ canonical JSON of the envelope without `hash`).
public enum HashChain {
    /// What the first event chains from.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The hash of an envelope whose canonical bytes without `hash` are `head ‖ tail`.
    static func link(previous: [UInt8], head: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(bufferPointer: head)
        hasher.update(bufferPointer: tail)
        return Array(hasher.finalize())
    }
}
