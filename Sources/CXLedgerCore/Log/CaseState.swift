/// What the lifecycle rules need to know about one case, kept beside the log.
public struct CaseState: Sendable, Equatable {
    /// A case's place in SPEC's lifecycle.
    public enum Status: String, Sendable {
        case open
        case resolutionProposed = "resolution_proposed"
        case closed
    }

    public var status: Status
    public var level: Int
    public var reopenCount: Int
    public var customerId: String
    /// The current get-well plan's criteria, in plan order, with whether each is met.
    public var criteria: [(id: String, met: Bool)]

    public static func == (a: CaseState, b: CaseState) -> Bool {
        a.status == b.status && a.level == b.level && a.reopenCount == b.reopenCount
            && a.customerId == b.customerId
            && a.criteria.map(\.id) == b.criteria.map(\.id) && a.criteria.map(\.met) == b.criteria.map(\.met)
    }

    var json: JSONValue {
        .object([
            "status": .string(status.rawValue),
            "level": .number(Double(level)),
            "reopenCount": .number(Double(reopenCount)),
            "customerId": .string(customerId),
            "criteria": .array(criteria.map { .object(["id": .string($0.id), "met": .bool($0.met)]) }),
        ])
    }

    init(status: Status, level: Int, reopenCount: Int, customerId: String, criteria: [(id: String, met: Bool)]) {
        self.status = status
        self.level = level
        self.reopenCount = reopenCount
        self.customerId = customerId
        self.criteria = criteria
    }

    init?(json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
              let level = json["level"]?.intValue, let reopens = json["reopenCount"]?.intValue,
              let customer = json["customerId"]?.stringValue, let criteria = json["criteria"]?.arrayValue
        else { return nil }
        self.init(status: status, level: level, reopenCount: reopens, customerId: customer,
                  criteria: criteria.compactMap { c in
                      guard let id = c["id"]?.stringValue, let met = c["met"]?.boolValue else { return nil }
                      return (id, met)
                  })
    }
}
