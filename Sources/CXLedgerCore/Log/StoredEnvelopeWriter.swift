/// Builds the stored form of a new event and its link in the hash chain.
enum StoredEnvelopeWriter {
    /// `"recordedAt":"…",`, shared by every event of one commit.
    static func recordedAtMember(_ recordedAt: String) -> [UInt8] {
        var out: [UInt8] = []
        StoredEnvelopeParts.member("recordedAt", string: recordedAt, into: &out)
        return out
    }

    /// The record for `events` (see `StoredRecord`) and the event's hash, as bytes and as the hex the record holds,
    /// from the event's prepared parts.
    static func record(for event: ProposedEvent, position: Int, streamVersion: Int,
                       recordedAtMember: [UInt8], previousHash: [UInt8]) -> (record: [UInt8], hash: [UInt8], hex: String) {
        let parts = event.storedParts
        var out: [UInt8] = [0, 0, 0, 0]
        out.reserveCapacity(4 + parts.bytes.count + StoredRecord.hashMemberLength + recordedAtMember.count + 64)
        var hashAt = 0
        parts.bytes.withUnsafeBufferPointer { p in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[..<parts.idAt]))
            // The hash member's place, filled in once the rest is known (the hash covers everything but it).
            hashAt = out.count
            out.append(contentsOf: StoredRecord.hashMemberPrefix)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 64))
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[parts.idAt..<parts.sourceAt]))
            number("position", position, into: &out)
            out.append(contentsOf: recordedAtMember)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[parts.sourceAt..<parts.typeAt]))
            number("streamVersion", streamVersion, into: &out)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[parts.typeAt...]))
        }
        withUnsafeBytes(of: UInt32(hashAt - 4).littleEndian) { for i in 0..<4 { out[i] = $0[i] } }
        var hash: [UInt8] = []
        var hex = ""
        out.withUnsafeMutableBytes { all in
            let digest = previousHash.withUnsafeBytes { previous in
                HashChain.digest(previous: previous,
                                 head: UnsafeRawBufferPointer(rebasing: all[4..<hashAt]),
                                 tail: UnsafeRawBufferPointer(rebasing: all[(hashAt + StoredRecord.hashMemberLength)...]))
            }
            hash = digest.withUnsafeBytes { Array($0) }
            let hexAt = hashAt + StoredRecord.hashMemberPrefix.count
            hash.withUnsafeBytes { Hex.encode($0, over: UnsafeMutableRawBufferPointer(rebasing: all[hexAt..<(hexAt + 64)])) }
            hex = String(decoding: UnsafeRawBufferPointer(rebasing: all[hexAt..<(hexAt + 64)]), as: UTF8.self)
        }
        return (out, hash, hex)
    }

    /// `"name":<decimal>,` for a positive integer, without going through String.
    private static func number(_ name: StaticString, _ value: Int, into out: inout [UInt8]) {
        StoredEnvelopeParts.key(name, into: &out)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = UInt64(value), count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            } while n > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(20 - count)...]))
        }
        out.append(UInt8(ascii: ","))
    }
}
