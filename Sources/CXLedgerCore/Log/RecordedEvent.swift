import Foundation

/// A stored event in typed form: what projections fold over.
///
/// Its counted members sit behind one reference, as `ProposedEvent`'s do: an event appended in this process
/// shares the validated event's storage, one decoded from the log has a box of its own. Handing events to the
/// projections then costs one reference count each instead of a dozen. What every fold reads of every event
/// (position, type, times, and in a rebuild the ids' keys) is kept inline, so reading it costs none.
public struct RecordedEvent: Sendable {
    public let position: Int
    public let streamVersion: Int
    public let recordedAt: Timestamp
    public let type: EventType
    public let occurredAt: Timestamp
    private let source: Source
    /// `customerKey`'s spread, prepared with the keys (see `FoldPartition`): inline, so a share can pass over the
    /// events of another without touching their boxes.
    private let preparedSpread: UInt64?

    private enum Source: Sendable {
        case appended(ProposedEvent)
        case decoded(Decoded)
    }

    /// The counted members of an event read back from the log: its stored bytes, and where its identifiers and
    /// `data` lie in them. One copy of the envelope instead of an array for `data` and a String for each
    /// identifier: a rebuild decodes every stored event and its folds read few of these, none of them every time.
    private final class Decoded: Sendable {
        let envelope: [UInt8]
        let stream: Text
        let id: Text
        let customerId: Text?
        let caseId: Text?
        let data: Range<Int>
        let metadata: [String: JSONValue]?
        /// `caseId` and `customerId` as dictionary keys, prepared on the decoding thread of a rebuild (kept here
        /// rather than in the event, so copying an event costs one reference count, not three).
        let keysPrepared: Bool
        let caseKey: UTF8Key?
        let customerKey: UTF8Key?

        init(envelope: [UInt8], stream: Text, id: Text, customerId: Text?, caseId: Text?, data: Range<Int>,
             metadata: [String: JSONValue]?, keys: (case: UTF8Key?, customer: UTF8Key?)?) {
            self.envelope = envelope
            self.stream = stream
            self.id = id
            self.customerId = customerId
            self.caseId = caseId
            self.data = data
            self.metadata = metadata
            keysPrepared = keys != nil
            caseKey = keys?.case
            customerKey = keys?.customer
        }

        func string(_ text: Text) -> String {
            switch text {
            case .ascii(let range): envelope.withUnsafeBufferPointer { String(decoding: $0[range], as: UTF8.self) }
            case .string(let string): string
            }
        }
    }

    /// A string member of a stored envelope: where its bytes lie when they are printable ASCII without escapes (as
    /// nearly all stored identifiers are), or else the string the parser read.
    private enum Text: Sendable {
        case ascii(Range<Int>)
        case string(String)
    }

    public var stream: String {
        switch source { case .appended(let e): e.stream; case .decoded(let d): d.string(d.stream) }
    }
    public var id: String {
        switch source { case .appended(let e): e.id; case .decoded(let d): d.string(d.id) }
    }
    public var customerId: String? {
        switch source { case .appended(let e): e.customerId; case .decoded(let d): d.customerId.map(d.string) }
    }
    public var caseId: String? {
        switch source { case .appended(let e): e.caseId; case .decoded(let d): d.caseId.map(d.string) }
    }
    public var data: EventData {
        switch source { case .appended(let e): EventData(e.data); case .decoded(let d): EventData(canonical: d.envelope[d.data]) }
    }
    public var metadata: [String: JSONValue]? {
        switch source { case .appended(let e): e.metadata; case .decoded(let d): d.metadata }
    }

    /// `caseId` keyed by its bytes, for the bulk folds (see `UTF8Key`).
    var caseKey: UTF8Key? {
        switch source {
        case .appended(let e): return e.caseKey
        case .decoded(let d): return d.keysPrepared ? d.caseKey : caseId.map(UTF8Key.init)
        }
    }
    /// `customerId` keyed by its bytes, for the bulk folds.
    var customerKey: UTF8Key? {
        switch source {
        case .appended(let e): return e.customerKey
        case .decoded(let d): return d.keysPrepared ? d.customerKey : customerId.map(UTF8Key.init)
        }
    }
    /// `customerKey`'s spread, read without copying the event (see `FoldPartition`).
    var customerSpread: UInt64? {
        if let preparedSpread { return preparedSpread }
        if case .decoded(let d) = source, d.keysPrepared { return nil }
        return customerKey?.spread
    }

    init(_ event: ProposedEvent, position: Int, streamVersion: Int, recordedAt: Timestamp) {
        self.position = position
        self.streamVersion = streamVersion
        self.recordedAt = recordedAt
        type = event.type
        occurredAt = event.occurredAtTime
        source = .appended(event)
        preparedSpread = nil
    }

    /// Reads the stored envelope of the event at `position`; what stops it is an error naming the position.
    /// Members of `data` are checked for structure only until they are read (see `EventData`); `cxledger verify`
    /// is what vouches for every stored byte.
    init(storedAt position: Int, envelope json: UnsafeRawBufferPointer, hashMemberAt hashMember: Int? = nil,
         preparingKeys: Bool = false) throws {
        do {
            try self.init(storedEnvelope: json, hashMemberAt: hashMember, preparingKeys: preparingKeys)
        } catch let error as JSONParseError {
            throw LedgerError(code: .invalidJSON, message: "stored event \(position) is not JSON: \(error)")
        } catch var error as LedgerError {
            error.message = "stored event \(position): \(error.message)"
            throw error
        }
    }

    /// Reads the event of a stored record (see `StoredRecord`).
    init(storedAt position: Int, record: StoredRecord, preparingKeys: Bool = false) throws {
        try self.init(storedAt: position, envelope: record.json, hashMemberAt: record.hashMemberOffset,
                      preparingKeys: preparingKeys)
    }

    /// Reads a stored envelope (canonical JSON as the log writes it: no whitespace, ASCII keys without escapes)
    /// member by member. `hashMember`, where the record's header says the `hash` member starts, spares reading
    /// through `data` to find its end.
    init(storedEnvelope json: UnsafeRawBufferPointer, hashMemberAt hashMember: Int? = nil,
         preparingKeys: Bool = false) throws {
        func bad(_ field: String) -> LedgerError {
            LedgerError(code: .invalidEvent, message: "stored envelope has no valid \(field)", field: field)
        }
        let quote = UInt8(ascii: "\"")
        guard json.count >= 2, json[0] == UInt8(ascii: "{") else { throw bad("envelope") }
        var position: Int?, stream: Text?, version: Int?, recorded: Timestamp?, id: Text?
        var type: EventType?, occurred: Timestamp?, data: Range<Int>?
        var customerId: Text?, caseId: Text?, metadata: [String: JSONValue]?
        var i = 1
        while i < json.count && json[i] != UInt8(ascii: "}") {
            guard json[i] == quote else { throw bad("envelope") }
            var keyEnd = i + 1
            while keyEnd < json.count && json[keyEnd] != quote { keyEnd += 1 }
            guard keyEnd + 1 < json.count, json[keyEnd + 1] == UInt8(ascii: ":") else { throw bad("envelope") }
            // The member names are ASCII and few, so they are matched as bytes, without building a String each.
            let named = StoredMember(UnsafeRawBufferPointer(rebasing: json[(i + 1)..<keyEnd]))
            if named == .hash, keyEnd + 2 + 66 <= json.count, json[keyEnd + 2] == quote, json[keyEnd + 67] == quote {
                // 64 hex digits in quotes; folds never need it.
                i = keyEnd + 2 + 66
                if i < json.count && json[i] == UInt8(ascii: ",") { i += 1 }
                continue
            }
            guard let member = named, member != .data, member != .hash else {
                // `data` is kept as its bytes and read member by member when a fold asks (see `EventData`);
                // members no fold reads are skipped unparsed.
                let start = keyEnd + 2
                // Envelope members are sorted and none lies between `data` and `hash`, so `data` ends just before
                // the comma ahead of `hash`. Its members are then checked when read, as those of the skipped
                // `data` are (`verify` vouches for the bytes).
                if named == .data, let hash = hashMember, hash - 2 > start, json[start] == UInt8(ascii: "{"),
                   json[hash - 2] == UInt8(ascii: "}"), json[hash - 1] == UInt8(ascii: ",") {
                    data = start..<(hash - 1)
                    i = hash
                    continue
                }
                guard let end = JSONSkipper.endOfValue(json, at: start) else { throw bad(named == .data ? "data" : "envelope") }
                if named == .data {
                    guard json[start] == UInt8(ascii: "{") else { throw bad("data") }
                    data = start..<end
                }
                i = end
                if i < json.count && json[i] == UInt8(ascii: ",") { i += 1 }
                continue
            }
            // Times and the type are read where their bytes lie when they hold no escape (stored ones never
            // do): a String for each, made only to be parsed and dropped, was three allocations per event. The
            // identifiers are only found, and read when asked for. Anything but printable ASCII without escapes is
            // left to the parser, which refuses what JSON forbids (control characters, bytes that are not UTF-8).
            if member != .position && member != .streamVersion && member != .metadata,
               let contents = JSONStringScan.plainContents(json, at: keyEnd + 2) {
                let raw = UnsafeRawBufferPointer(rebasing: json[contents]), text = Text.ascii(contents)
                switch member {
                case .recordedAt: recorded = Timestamp.parseDateTime(bytes: raw.assumingMemoryBound(to: UInt8.self))
                case .occurredAt: occurred = Timestamp.parseDateTime(bytes: raw.assumingMemoryBound(to: UInt8.self))
                case .type: type = EventType(utf8: raw)
                case .stream: stream = text
                case .id: id = text
                case .customerId: customerId = text
                case .caseId: caseId = text
                case .position, .streamVersion, .metadata, .data, .hash: break
                }
                i = contents.upperBound + 1
                if i < json.count && json[i] == UInt8(ascii: ",") { i += 1 }
                continue
            }
            let (value, end) = try JSONScalar.read(json, at: keyEnd + 2) ?? JSONParser.parseValue(json, at: keyEnd + 2)
            switch member {
            case .position: position = value.intValue
            case .stream: stream = value.stringValue.map(Text.string)
            case .streamVersion: version = value.intValue
            case .recordedAt: recorded = value.stringValue.flatMap(Timestamp.parseDateTime)
            case .id: id = value.stringValue.map(Text.string)
            case .type: type = value.stringValue.flatMap(EventType.init(rawValue:))
            case .occurredAt: occurred = value.stringValue.flatMap(Timestamp.parseDateTime)
            case .customerId: customerId = value.stringValue.map(Text.string)
            case .caseId: caseId = value.stringValue.map(Text.string)
            case .metadata: metadata = value.objectValue
            case .data, .hash: break // kept as bytes, or skipped, above
            }
            i = end
            if i < json.count && json[i] == UInt8(ascii: ",") { i += 1 }
        }
        guard let position else { throw bad("position") }
        guard let stream else { throw bad("stream") }
        guard let version else { throw bad("streamVersion") }
        guard let recorded else { throw bad("recordedAt") }
        guard let id else { throw bad("id") }
        guard let type else { throw bad("type") }
        guard let occurred else { throw bad("occurredAt") }
        guard let data else { throw bad("data") }
        self.position = position
        streamVersion = version
        recordedAt = recorded
        self.type = type
        occurredAt = occurred
        func key(_ text: Text) -> UTF8Key {
            switch text {
            case .ascii(let range): UTF8Key(bytes: UnsafeRawBufferPointer(rebasing: json[range]))
            case .string(let string): UTF8Key(string)
            }
        }
        let keys = preparingKeys ? (case: caseId.map(key), customer: customerId.map(key)) : nil
        source = .decoded(Decoded(envelope: Array(json), stream: stream, id: id, customerId: customerId, caseId: caseId,
                                  data: data, metadata: metadata, keys: keys))
        preparedSpread = keys?.customer?.spread
    }
}

/// The members of a stored envelope that a `RecordedEvent` keeps, and `hash`, which it skips.
private enum StoredMember {
    case position, stream, streamVersion, recordedAt, id, type, occurredAt, data, customerId, caseId, metadata, hash

    /// Matched by their first byte, then by words loaded from both names: twelve members in each of a rebuild's
    /// million events, where a call to `memcmp` per name (or a copy of it into words) was a tenth of decoding.
    init?(_ name: UnsafeRawBufferPointer) {
        guard name.count >= 2 else { return nil }
        switch name[0] {
        case UInt8(ascii: "p") where Self.equal(name, "position"): self = .position
        case UInt8(ascii: "s") where Self.equal(name, "stream"): self = .stream
        case UInt8(ascii: "s") where Self.equal(name, "streamVersion"): self = .streamVersion
        case UInt8(ascii: "r") where Self.equal(name, "recordedAt"): self = .recordedAt
        case UInt8(ascii: "i") where Self.equal(name, "id"): self = .id
        case UInt8(ascii: "t") where Self.equal(name, "type"): self = .type
        case UInt8(ascii: "o") where Self.equal(name, "occurredAt"): self = .occurredAt
        case UInt8(ascii: "d") where Self.equal(name, "data"): self = .data
        case UInt8(ascii: "c") where Self.equal(name, "customerId"): self = .customerId
        case UInt8(ascii: "c") where Self.equal(name, "caseId"): self = .caseId
        case UInt8(ascii: "m") where Self.equal(name, "metadata"): self = .metadata
        case UInt8(ascii: "h") where Self.equal(name, "hash"): self = .hash
        default: return nil
        }
    }

    /// Whether `name` is `text`, compared as two (possibly overlapping) words of the widest size that fits.
    @inline(__always)
    private static func equal(_ name: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard name.count == n else { return false }
        let a = name.baseAddress!, b = UnsafeRawPointer(text.utf8Start)
        func same<W: FixedWidthInteger>(_: W.Type) -> Bool {
            a.loadUnaligned(as: W.self) == b.loadUnaligned(as: W.self)
                && a.loadUnaligned(fromByteOffset: n - W.bitWidth / 8, as: W.self)
                == b.loadUnaligned(fromByteOffset: n - W.bitWidth / 8, as: W.self)
        }
        if n >= 8 { return n <= 16 && same(UInt64.self) }
        if n >= 4 { return same(UInt32.self) }
        return same(UInt16.self)
    }
}
