/// A posted event envelope that passed validation, ready for the ledger's stateful checks and storage.
public struct ProposedEvent: Sendable {
    /// Lower-case UUID; generated when the sender gave none.
    public let id: String
    public let type: EventType
    public let customerId: String?
    public let caseId: String?
    /// Exactly as posted, so the stored envelope and its hash keep the sender's text.
    public let occurredAt: String
    public let occurredAtTime: Timestamp
    public let source: String?
    public let data: [String: JSONValue]
    public let metadata: [String: JSONValue]?
    public var expectedVersion: Int?
    /// `case-<caseId>`, `customer-<customerId>`, `review` or `sla`.
    public let stream: String
    /// The posted envelope without expectedVersion, with the (possibly generated, lower-cased) id: what "same content" compares.
    public let content: JSONValue
    /// The stored envelope's members that do not depend on where the event lands in the log, encoded where
    /// the event is validated (on the caller's thread) so the single writer thread only splices bytes.
    let storedParts: StoredEnvelopeParts

    public init(id: String, type: EventType, customerId: String?, caseId: String?,
                occurredAt: String, occurredAtTime: Timestamp, source: String?,
                data: [String: JSONValue], metadata: [String: JSONValue]?,
                expectedVersion: Int?, stream: String, content: JSONValue) {
        self.id = id
        self.type = type
        self.customerId = customerId
        self.caseId = caseId
        self.occurredAt = occurredAt
        self.occurredAtTime = occurredAtTime
        self.source = source
        self.data = data
        self.metadata = metadata
        self.expectedVersion = expectedVersion
        self.stream = stream
        self.content = content
        storedParts = StoredEnvelopeParts(id: id, type: type, customerId: customerId, caseId: caseId,
                                          occurredAt: occurredAt, source: source, data: data,
                                          metadata: metadata, stream: stream)
    }
}
