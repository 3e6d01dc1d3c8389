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

    /// The compact form kept in `log.cases` (read and rewritten on every event of the case).
    var encoded: [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.byte(status.byteValue)
        w.int(level)
        w.int(reopenCount)
        w.string(customerId)
        w.int(criteria.count)
        for c in criteria {
            w.string(c.id)
            w.bool(c.met)
        }
        return w.bytes
    }

    init?(encoded bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard let status = Status(byte: r.byte()) else { return nil }
        let level = r.int()
        let reopens = r.int()
        let customer = r.string()
        let count = r.int()
        guard r.isValid, count >= 0, count <= bytes.count else { return nil }
        var criteria: [(id: String, met: Bool)] = []
        for _ in 0..<count { criteria.append((r.string(), r.bool())) }
        guard r.isValid else { return nil }
        self.init(status: status, level: level, reopenCount: reopens, customerId: customer, criteria: criteria)
    }

    init(status: Status, level: Int, reopenCount: Int, customerId: String, criteria: [(id: String, met: Bool)]) {
        self.status = status
        self.level = level
        self.reopenCount = reopenCount
        self.customerId = customerId
        self.criteria = criteria
    }
}

extension CaseState.Status {
    var byteValue: UInt8 {
        switch self {
        case .open: return 1
        case .resolutionProposed: return 2
        case .closed: return 3
        }
    }

    init?(byte: UInt8) {
        switch byte {
        case 1: self = .open
        case 2: self = .resolutionProposed
        case 3: self = .closed
        default: return nil
        }
    }
}
