/// Builds the stored form of a new event and its link in the hash chain.
enum StoredEnvelopeWriter {
    /// The record for `events` (see `StoredRecord`) and the event's hash.
    static func record(for event: ProposedEvent, position: Int, streamVersion: Int,
                       recordedAt: String, previousHash: [UInt8]) -> (record: [UInt8], hash: [UInt8]) {
        var out: [UInt8] = [0, 0, 0, 0]
        out.reserveCapacity(640)
        // Members are written in RFC 8785 order; these keys are ASCII, so byte order is UTF-16 order.
        out.append(UInt8(ascii: "{"))
        if let caseId = event.caseId { member("caseId", string: caseId, into: &out) }
        if let customerId = event.customerId { member("customerId", string: customerId, into: &out) }
        key("data", into: &out)
        out.append(contentsOf: event.canonicalData)
        out.append(UInt8(ascii: ","))
        let hashAt = out.count
        member("id", string: event.id, into: &out)
        if let metadata = event.canonicalMetadata {
            key("metadata", into: &out)
            out.append(contentsOf: metadata)
            out.append(UInt8(ascii: ","))
        }
        member("occurredAt", string: event.occurredAt, into: &out)
        member("position", number: position, into: &out)
        member("recordedAt", string: recordedAt, into: &out)
        if let source = event.source { member("source", string: source, into: &out) }
        member("stream", string: event.stream, into: &out)
        member("streamVersion", number: streamVersion, into: &out)
        key("type", into: &out)
        CanonicalJSON.encodeString(event.type.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))

        let hash = out.withUnsafeBytes { all in
            HashChain.link(previous: previousHash,
                           head: UnsafeRawBufferPointer(rebasing: all[4..<hashAt]),
                           tail: UnsafeRawBufferPointer(rebasing: all[hashAt...]))
        }
        var hashMember = StoredRecord.hashMemberPrefix
        Hex.encode(hash, into: &hashMember)
        hashMember.append(UInt8(ascii: "\""))
        hashMember.append(UInt8(ascii: ","))
        out.insert(contentsOf: hashMember, at: hashAt)
        let offset = UInt32(hashAt - 4).littleEndian
        withUnsafeBytes(of: offset) { for i in 0..<4 { out[i] = $0[i] } }
        return (out, hash)
    }

    private static func key(_ name: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    private static func member(_ name: StaticString, string: String, into out: inout [UInt8]) {
        key(name, into: &out)
        CanonicalJSON.encodeString(string, into: &out)
        out.append(UInt8(ascii: ","))
    }

    private static func member(_ name: StaticString, number: Int, into out: inout [UInt8]) {
        key(name, into: &out)
        out.append(contentsOf: String(number).utf8)
        out.append(UInt8(ascii: ","))
    }
}
