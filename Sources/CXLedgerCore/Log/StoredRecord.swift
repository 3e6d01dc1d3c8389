import Foundation

/// How one event sits in the `events` database: a 4-byte little-endian offset of its
/// `"hash":"…",` member, then the canonical JSON of the stored envelope including `hash`.
///
/// Keeping the offset lets `verify` drop the hash member and re-hash without parsing, so the
/// chain check runs at cursor speed; `replay` prints the JSON part as it is.
public struct StoredRecord {
    /// `"hash":"` + 64 hex digits + `",`
    static let hashMemberLength = 8 + 64 + 2
    static let hashMemberPrefix = Array("\"hash\":\"".utf8)

    let bytes: UnsafeRawBufferPointer

    /// The stored envelope, canonical JSON with `hash`.
    var json: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[4...]) }

    /// Where the `"hash":"…",` member starts in `json`, when the header says so truthfully; nil when the record is
    /// malformed.
    var hashMemberOffset: Int? {
        guard bytes.count >= 4 + 2 + Self.hashMemberLength else { return nil }
        let offset = Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
        let json = self.json
        guard offset >= 1, offset + Self.hashMemberLength < json.count,
              Self.hashMemberPrefix.withUnsafeBytes({ memcmp(json.baseAddress! + offset, $0.baseAddress!, $0.count) == 0 }),
              json[offset + Self.hashMemberLength - 2] == UInt8(ascii: "\""),
              json[offset + Self.hashMemberLength - 1] == UInt8(ascii: ",") else { return nil }
        return offset
    }

    /// Splits the record around its hash member; nil when the record is malformed.
    func parts() -> (head: UnsafeRawBufferPointer, hashHex: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer)? {
        guard let offset = hashMemberOffset else { return nil }
        let json = self.json
        let hex = UnsafeRawBufferPointer(rebasing: json[(offset + 8)..<(offset + 72)])
        return (UnsafeRawBufferPointer(rebasing: json[..<offset]), hex,
                UnsafeRawBufferPointer(rebasing: json[(offset + Self.hashMemberLength)...]))
    }
}
