/// A posted event envelope that passed validation, ready for the ledger's stateful checks and storage.
///
/// A value with one reference inside: the writer reads each event several times (checks, the stored record,
/// the live projections), and copying a dozen separately counted references for each read was a tenth of
/// the single writer thread's work on large batches.
public struct ProposedEvent: Sendable {
    private let fields: Fields
    public var expectedVersion: Int?

    /// Lower-case UUID; generated when the sender gave none.
    public var id: String { fields.id }
    public var type: EventType { fields.type }
    public var customerId: String? { fields.customerId }
    public var caseId: String? { fields.caseId }
    /// Exactly as posted, so the stored envelope and its hash keep the sender's text.
    public var occurredAt: String { fields.occurredAt }
    public var occurredAtTime: Timestamp { fields.occurredAtTime }
    public var source: String? { fields.source }
    public var data: [String: JSONValue] { fields.data }
    public var metadata: [String: JSONValue]? { fields.metadata }
    /// `case-<caseId>`, `customer-<customerId>`, `review` or `sla`.
    public var stream: String { fields.stream }
    /// The stored envelope's members that do not depend on where the event lands in the log, encoded where
    /// the event is validated (on the caller's thread) so the single writer thread only splices bytes.
    var storedParts: StoredEnvelopeParts { fields.storedParts }
    /// `id`, `stream`, `caseId` and `customerId` as dictionary keys (see `UTF8Key`), made where the event is
    /// validated too: the writer thread keys its checks and the live projections by them, and made there, each
    /// key's hash (and the copy of an identifier longer than 16 bytes) was a few percent of its time.
    var idKey: UTF8Key { fields.idKey }
    var streamKey: UTF8Key { fields.streamKey }
    var caseKey: UTF8Key? { fields.caseKey }
    var customerKey: UTF8Key? { fields.customerKey }

    public init(id: String, type: EventType, customerId: String?, caseId: String?,
                occurredAt: String, occurredAtTime: Timestamp, source: String?,
                data: [String: JSONValue], metadata: [String: JSONValue]?,
                expectedVersion: Int?, stream: String) {
        fields = Fields(id: id, type: type, customerId: customerId, caseId: caseId, occurredAt: occurredAt,
                        occurredAtTime: occurredAtTime, source: source, data: data, metadata: metadata,
                        stream: stream)
        self.expectedVersion = expectedVersion
    }

    /// The canonical JSON of the stored envelope without the members that depend on where it lands in the log:
    /// the posted content ("same content" in SPEC), plus the `stream` that follows from it.
    public var canonicalContent: [UInt8] { fields.storedParts.bytes }

    /// Whether `other` posts the same content (`expectedVersion` aside).
    func sameContent(as other: ProposedEvent) -> Bool { canonicalContent == other.canonicalContent }

    /// The immutable part, shared by every copy of the event.
    private final class Fields: Sendable {
        let id: String
        let type: EventType
        let customerId: String?
        let caseId: String?
        let occurredAt: String
        let occurredAtTime: Timestamp
        let source: String?
        let data: [String: JSONValue]
        let metadata: [String: JSONValue]?
        let stream: String
        let storedParts: StoredEnvelopeParts
        let idKey: UTF8Key
        let streamKey: UTF8Key
        let caseKey: UTF8Key?
        let customerKey: UTF8Key?

        init(id: String, type: EventType, customerId: String?, caseId: String?, occurredAt: String,
             occurredAtTime: Timestamp, source: String?, data: [String: JSONValue], metadata: [String: JSONValue]?,
             stream: String) {
            self.id = id
            self.type = type
            self.customerId = customerId
            self.caseId = caseId
            self.occurredAt = occurredAt
            self.occurredAtTime = occurredAtTime
            self.source = source
            self.data = data
            self.metadata = metadata
            self.stream = stream
            storedParts = StoredEnvelopeParts(id: id, type: type, customerId: customerId, caseId: caseId,
                                              occurredAt: occurredAt, source: source, data: data,
                                              metadata: metadata, stream: stream)
            idKey = UTF8Key(id)
            streamKey = UTF8Key(stream)
            caseKey = caseId.map(UTF8Key.init)
            customerKey = customerId.map(UTF8Key.init)
        }
    }
}
