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

    /// The hash of an envelope given as its full canonical JSON without `hash`.
    public static func link(previous: [UInt8], canonicalEnvelope: [UInt8]) -> [UInt8] {
        canonicalEnvelope.withUnsafeBytes { link(previous: previous, head: $0, tail: UnsafeRawBufferPointer(start: nil, count: 0)) }
    }
}
