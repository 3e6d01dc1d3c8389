/// A posted event envelope that passed validation, ready for the ledger's stateful checks and storage.
public struct ProposedEvent: Sendable {
    /// Lower-case UUID; generated when the sender gave none.
    public var id: String
    public var type: EventType
    public var customerId: String?
    public var caseId: String?
    /// Exactly as posted, so the stored envelope and its hash keep the sender's text.
    public var occurredAt: String
    public var occurredAtTime: Timestamp
    public var source: String?
    public var data: [String: JSONValue] {
        didSet { canonicalData = CanonicalJSON.encode(.object(data)) }
    }
    public var metadata: [String: JSONValue]? {
        didSet { canonicalMetadata = metadata.map { CanonicalJSON.encode(.object($0)) } }
    }
    /// `data` and `metadata` in canonical form, encoded where the event is validated (on the
    /// caller's thread) so the single writer thread only splices bytes.
    public private(set) var canonicalData: [UInt8]
    public private(set) var canonicalMetadata: [UInt8]?
    public var expectedVersion: Int?
    /// `case-<caseId>`, `customer-<customerId>`, `review` or `sla`.
    public var stream: String
    /// The posted envelope without expectedVersion, with the (possibly generated, lower-cased) id: what "same content" compares.
    public var content: JSONValue

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
        canonicalData = CanonicalJSON.encode(.object(data))
        canonicalMetadata = metadata.map { CanonicalJSON.encode(.object($0)) }
        self.expectedVersion = expectedVersion
        self.stream = stream
        self.content = content
    }
}
