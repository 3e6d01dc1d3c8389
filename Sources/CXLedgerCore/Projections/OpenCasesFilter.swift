/// The filters and paging of `GET /v1/cases/open` and `cxledger cases`.
public struct OpenCasesFilter: Sendable, Equatable {
    public var minLevel: Int?
    public var segment: String?
    /// Only cases with a breached first response or resolution (at the query's `now`).
    public var breached: Bool
    /// Only cases opened more than this many hours before `now`.
    public var olderThanHours: Double?
    public var owner: String?
    public var customerId: String?
    public var limit: Int
    /// The opaque `nextCursor` of the previous page.
    public var cursor: String?

    public static let defaultLimit = 50
    public static let maxLimit = 1000

    public init(minLevel: Int? = nil, segment: String? = nil, breached: Bool = false, olderThanHours: Double? = nil,
                owner: String? = nil, customerId: String? = nil, limit: Int = OpenCasesFilter.defaultLimit,
                cursor: String? = nil) {
        self.minLevel = minLevel
        self.segment = segment
        self.breached = breached
        self.olderThanHours = olderThanHours
        self.owner = owner
        self.customerId = customerId
        self.limit = limit
        self.cursor = cursor
    }

    func matches(_ r: CaseRecord, now: Timestamp) -> Bool {
        if let minLevel, r.escalationLevel < minLevel { return false }
        if let segment, r.segment != segment { return false }
        if let owner, r.owner != owner { return false }
        if let customerId, r.customerId != customerId { return false }
        if breached, !(r.firstResponseBreached(now: now) || r.resolutionBreached(now: now)) { return false }
        if let olderThanHours {
            let age = Double(now.microseconds(since: r.openedAt)) / 3_600_000_000
            if !(age > olderThanHours) { return false }
        }
        return true
    }
}
