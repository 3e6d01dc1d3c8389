import CXLedgerCore
import Hummingbird

/// Builds JSON responses from canonical bytes, so the wire carries exactly what `replay` prints.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        make(bytes: CanonicalJSON.encode(value), status: status)
    }

    static func make(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"events":[…],"next":N}` spliced from stored canonical envelopes without re-encoding them.
    static func eventPage(_ events: [StoredEvent], key: String = "events", extra: [(String, JSONValue)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(64) { $0 + $1.json.count + 1 })
        out.append(UInt8(ascii: "{"))
        // Canonical key order: the members are sorted, so write them in sorted order.
        var members: [(String, JSONValue?)] = [(key, nil)]
        members.append(contentsOf: extra.map { ($0.0, Optional($0.1)) })
        members.sort { Array($0.0.utf16).lexicographicallyPrecedes(Array($1.0.utf16)) }
        for (i, (name, value)) in members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.encodeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            if let value {
                CanonicalJSON.encode(value, into: &out)
            } else {
                out.append(UInt8(ascii: "["))
                for (j, event) in events.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: event.json)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
