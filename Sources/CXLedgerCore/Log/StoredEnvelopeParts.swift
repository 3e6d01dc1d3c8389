/// The members of a stored envelope that the sender's event fixes, in RFC 8785 order, with three gaps
/// for what only the writer knows: the hash (after `data`), `position` and `recordedAt` (after
/// `occurredAt`) and `streamVersion` (after `stream`).
///
/// Every envelope key is ASCII, so byte order is the UTF-16 order RFC 8785 asks for:
/// caseId, customerId, data, hash, id, metadata, occurredAt, position, recordedAt, source, stream,
/// streamVersion, type.
struct StoredEnvelopeParts: Sendable {
    /// `{` … `"data":{…},` ‖ `"id":…` … `"occurredAt":"…",` ‖ `"source":…,"stream":"…",` ‖ `"type":"…"}`
    let bytes: [UInt8]
    /// Where the second, third and fourth segments start.
    let idAt: Int, sourceAt: Int, typeAt: Int

    init(id: String, type: EventType, customerId: String?, caseId: String?, occurredAt: String,
         source: String?, data: [String: JSONValue], metadata: [String: JSONValue]?, stream: String) {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        if let caseId { Self.member("caseId", string: caseId, into: &out) }
        if let customerId { Self.member("customerId", string: customerId, into: &out) }
        Self.key("data", into: &out)
        CanonicalJSON.encode(.object(data), into: &out)
        out.append(UInt8(ascii: ","))
        idAt = out.count
        Self.member("id", string: id, into: &out)
        if let metadata {
            Self.key("metadata", into: &out)
            CanonicalJSON.encode(.object(metadata), into: &out)
            out.append(UInt8(ascii: ","))
        }
        Self.member("occurredAt", string: occurredAt, into: &out)
        sourceAt = out.count
        if let source { Self.member("source", string: source, into: &out) }
        Self.member("stream", string: stream, into: &out)
        typeAt = out.count
        Self.key("type", into: &out)
        CanonicalJSON.encodeString(type.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
        bytes = out
    }

    static func key(_ name: StaticString, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    static func member(_ name: StaticString, string: String, into out: inout [UInt8]) {
        key(name, into: &out)
        CanonicalJSON.encodeString(string, into: &out)
        out.append(UInt8(ascii: ","))
    }
}
