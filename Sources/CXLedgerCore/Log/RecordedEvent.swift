/// A stored event in typed form: what projections fold over.
public struct RecordedEvent: Sendable {
    public var position: Int
    public var stream: String
    public var streamVersion: Int
    public var recordedAt: Timestamp
    public var id: String
    public var type: EventType
    public var customerId: String?
    public var caseId: String?
    public var occurredAt: Timestamp
    public var data: [String: JSONValue]
    public var metadata: [String: JSONValue]?

    init(_ event: ProposedEvent, position: Int, streamVersion: Int, recordedAt: Timestamp) {
        self.position = position
        stream = event.stream
        self.streamVersion = streamVersion
        self.recordedAt = recordedAt
        id = event.id
        type = event.type
        customerId = event.customerId
        caseId = event.caseId
        occurredAt = event.occurredAtTime
        data = event.data
        metadata = event.metadata
    }

    /// Reads a stored envelope back (it was validated when it was appended).
    public init(envelope: JSONValue) throws {
        func bad(_ field: String) -> LedgerError {
            LedgerError(code: .invalidEvent, message: "stored envelope has no valid \(field)", field: field)
        }
        guard let position = envelope["position"]?.intValue else { throw bad("position") }
        guard let stream = envelope["stream"]?.stringValue else { throw bad("stream") }
        guard let version = envelope["streamVersion"]?.intValue else { throw bad("streamVersion") }
        guard let recorded = envelope["recordedAt"]?.stringValue.flatMap(Timestamp.parseDateTime) else { throw bad("recordedAt") }
        guard let id = envelope["id"]?.stringValue else { throw bad("id") }
        guard let type = envelope["type"]?.stringValue.flatMap(EventType.init(rawValue:)) else { throw bad("type") }
        guard let occurred = envelope["occurredAt"]?.stringValue.flatMap(Timestamp.parseDateTime) else { throw bad("occurredAt") }
        guard let data = envelope["data"]?.objectValue else { throw bad("data") }
        self.position = position
        self.stream = stream
        streamVersion = version
        recordedAt = recorded
        self.id = id
        self.type = type
        customerId = envelope["customerId"]?.stringValue
        caseId = envelope["caseId"]?.stringValue
        occurredAt = occurred
        self.data = data
        metadata = envelope["metadata"]?.objectValue
    }
}
