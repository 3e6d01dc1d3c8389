/// Which events a read returns: by type, customer and case (all optional).
public struct EventFilter: Sendable, Equatable {
    public var type: String?
    public var customerId: String?
    public var caseId: String?

    public init(type: String? = nil, customerId: String? = nil, caseId: String? = nil) {
        self.type = type
        self.customerId = customerId
        self.caseId = caseId
    }

    public var isEmpty: Bool { type == nil && customerId == nil && caseId == nil }

    public func matches(_ envelope: JSONValue) -> Bool {
        if let type, envelope["type"]?.stringValue != type { return false }
        if let customerId, envelope["customerId"]?.stringValue != customerId { return false }
        if let caseId, envelope["caseId"]?.stringValue != caseId { return false }
        return true
    }
}
