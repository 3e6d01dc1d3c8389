/// Everything the open-cases projection knows about one case: the fold state shared by the live projection
/// and time travel, and the source of the case object of the API.
public struct CaseRecord: Sendable, Equatable {
    public var caseId: String
    public var customerId: String
    /// The customer's segment when the case opened (fixed for the case's life).
    public var segment: String?
    public var category: String
    public var severity: Int
    public var status: CaseState.Status
    public var escalationLevel: Int
    public var owner: String?
    public var openedAt: Timestamp
    /// Position of the `case.opened`: the last tie-breaker of the urgency order.
    public var openedPosition: Int
    public var openingChannel: String
    public var lastActivityAt: Timestamp
    public var closedAt: Timestamp?
    public var closeReason: String?
    public var firstResponseAt: Timestamp?
    /// The policy chosen at opening (fixed for the case's life), nil when none applied.
    public var policy: SLAPolicy?
    public var reopenCount: Int
    /// The current plan's criteria in plan order, with whether each is met.
    public var criteria: [Criterion]
    /// Related case ids of confirmed links, oldest confirmation first (`repeatOf` is the last).
    public var confirmedLinks: [String]
    /// Outbound interactions per templateId, in first-seen order.
    public var templates: [TemplateCount]

    /// One success criterion of the current get-well plan.
    public struct Criterion: Sendable, Equatable {
        public var id: String
        public var met: Bool
    }

    /// How often one form letter went out on the case.
    public struct TemplateCount: Sendable, Equatable {
        public var templateId: String
        public var count: Int
    }

    public var firstResponseDueAt: Timestamp? {
        policy.map { openedAt.adding(minutes: Int64($0.firstResponseMinutes)) }
    }

    public var resolutionDueAt: Timestamp? {
        policy.map { openedAt.adding(hours: Int64($0.resolutionHours)) }
    }

    public var isClosed: Bool { status == .closed }

    public var templateRepeats: Int { templates.reduce(0) { max($0, $1.count) } }

    public var repeatOf: String? { confirmedLinks.last }

    /// The earliest due time not yet met (nil when none applies): the first key of the urgency order.
    public var earliestUnmetDue: Timestamp? {
        guard !isClosed, let resolution = resolutionDueAt else { return nil }
        if firstResponseAt == nil, let first = firstResponseDueAt { return min(first, resolution) }
        return resolution
    }

    /// SPEC's `firstResponseBreached`, judged at `now`.
    public func firstResponseBreached(now: Timestamp) -> Bool {
        guard let due = firstResponseDueAt else { return false }
        return (firstResponseAt ?? now) > due
    }

    /// SPEC's `resolutionBreached`, judged at `now`.
    public func resolutionBreached(now: Timestamp) -> Bool {
        guard let due = resolutionDueAt else { return false }
        return (closedAt ?? now) > due
    }

    /// The case object of the API (`GET /v1/cases/{id}`), every field present, breaches judged at `now`.
    public func json(now: Timestamp) -> JSONValue {
        func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.rfc3339()) } ?? .null }
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return .object([
            "caseId": .string(caseId),
            "customerId": .string(customerId),
            "segment": text(segment),
            "category": .string(category),
            "severity": .number(Double(severity)),
            "status": .string(status.rawValue),
            "escalationLevel": .number(Double(escalationLevel)),
            "owner": text(owner),
            "openedAt": time(openedAt),
            "lastActivityAt": time(lastActivityAt),
            "closedAt": time(closedAt),
            "closeReason": text(closeReason),
            "firstResponseAt": time(firstResponseAt),
            "firstResponseDueAt": time(firstResponseDueAt),
            "resolutionDueAt": time(resolutionDueAt),
            "firstResponseBreached": .bool(firstResponseBreached(now: now)),
            "resolutionBreached": .bool(resolutionBreached(now: now)),
            "reopenCount": .number(Double(reopenCount)),
            "unmetCriteria": .array(criteria.filter { !$0.met }.map { .string($0.id) }),
            "repeatOf": text(repeatOf),
            "templateRepeats": .number(Double(templateRepeats)),
        ])
    }

    // MARK: Storage

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 192)
        w.string(caseId)
        w.string(customerId)
        w.optionalString(segment)
        w.string(category)
        w.int(severity)
        w.byte(status == .open ? 0 : status == .resolutionProposed ? 1 : 2)
        w.int(escalationLevel)
        w.optionalString(owner)
        w.time(openedAt)
        w.int(openedPosition)
        w.string(openingChannel)
        w.time(lastActivityAt)
        w.optionalTime(closedAt)
        w.optionalString(closeReason)
        w.optionalTime(firstResponseAt)
        w.bool(policy != nil)
        if let policy {
            w.int(policy.firstResponseMinutes)
            w.int(policy.resolutionHours)
        }
        w.int(reopenCount)
        w.int(criteria.count)
        for c in criteria {
            w.string(c.id)
            w.bool(c.met)
        }
        w.int(confirmedLinks.count)
        for l in confirmedLinks { w.string(l) }
        w.int(templates.count)
        for t in templates {
            w.string(t.templateId)
            w.int(t.count)
        }
        return w.bytes
    }

    public init?(decoding raw: UnsafeRawBufferPointer) {
        var r = ByteReader(raw)
        caseId = r.string()
        customerId = r.string()
        segment = r.optionalString()
        category = r.string()
        severity = r.int()
        switch r.byte() {
        case 0: status = .open
        case 1: status = .resolutionProposed
        default: status = .closed
        }
        escalationLevel = r.int()
        owner = r.optionalString()
        openedAt = r.time()
        openedPosition = r.int()
        openingChannel = r.string()
        lastActivityAt = r.time()
        closedAt = r.optionalTime()
        closeReason = r.optionalString()
        firstResponseAt = r.optionalTime()
        policy = r.bool() ? SLAPolicy(firstResponseMinutes: r.int(), resolutionHours: r.int()) : nil
        reopenCount = r.int()
        criteria = (0..<max(0, min(r.int(), raw.count))).map { _ in Criterion(id: r.string(), met: r.bool()) }
        confirmedLinks = (0..<max(0, min(r.int(), raw.count))).map { _ in r.string() }
        templates = (0..<max(0, min(r.int(), raw.count))).map { _ in TemplateCount(templateId: r.string(), count: r.int()) }
        guard r.isValid else { return nil }
    }

    public init(caseId: String, customerId: String, segment: String?, category: String, severity: Int,
                openedAt: Timestamp, openedPosition: Int, openingChannel: String, policy: SLAPolicy?) {
        self.caseId = caseId
        self.customerId = customerId
        self.segment = segment
        self.category = category
        self.severity = severity
        status = .open
        escalationLevel = 0
        owner = nil
        self.openedAt = openedAt
        self.openedPosition = openedPosition
        self.openingChannel = openingChannel
        lastActivityAt = openedAt
        closedAt = nil
        closeReason = nil
        firstResponseAt = nil
        self.policy = policy
        reopenCount = 0
        criteria = []
        confirmedLinks = []
        templates = []
    }
}
