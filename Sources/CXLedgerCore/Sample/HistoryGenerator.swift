/// A seeded generator of realistic, lifecycle-valid event histories (customers, SLA policies, interactions,
/// cases with escalations, plans, disputes, closes, reopens and links), for tests and benchmarks.
///
/// The same seed and parameters always give the same envelopes, ids and times, so a history can be rebuilt
/// or compared anywhere. Envelopes are plain `JSONValue`s; `nextBatch` validates them into `ProposedEvent`s.
public struct HistoryGenerator: Sendable {
    /// How the generated world is shaped.
    public struct Parameters: Sendable {
        public var customers: Int
        /// Open cases above which the generator prefers closing to opening.
        public var openCaseTarget: Int
        /// Occurred time of the first event; later ones follow at 1 to 300 seconds.
        public var start: Timestamp

        public init(customers: Int = 500, openCaseTarget: Int = 400,
                    start: Timestamp = Timestamp.parseDateTime("2026-01-01T08:00:00Z")!) {
            self.customers = customers
            self.openCaseTarget = openCaseTarget
            self.start = start
        }
    }

    private struct GenCase: Sendable {
        var customer: Int
        var status: CaseState.Status
        var level: Int
        var criteria: [String]
    }

    public static let segments = ["standard", "priority", "vip", "strategic"]
    public static let channels = ["phone", "email", "chat", "web", "social", "video", "blog", "letter", "in_person"]
    static let categories = ["billing", "delivery", "outage", "product_defect", "account", "installation"]
    static let templates = ["tpl-apology", "tpl-refund-policy", "tpl-escalation-ack", "tpl-survey"]

    private var state: UInt64
    private let salt: UInt64
    private let parameters: Parameters
    private var clock: Timestamp
    private var counter = 0
    private var cases: [GenCase] = []
    /// Indices into `cases` of cases not closed, and of closed ones.
    private var active: [Int] = []
    private var closed: [Int] = []
    private var profiled: Set<Int> = []
    private var preamble: [JSONValue] = []

    public init(seed: UInt64, parameters: Parameters = Parameters()) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
        salt = seed
        self.parameters = parameters
        clock = parameters.start
        // Policies first, so most cases open under one: per segment, some per channel.
        for (i, segment) in Self.segments.enumerated() {
            let minutes = [240, 120, 30, 15][i], hours = [120, 72, 24, 12][i]
            preamble.append(envelope("sla.policy_set", customer: nil, caseId: nil, data: [
                "segment": .string(segment), "firstResponseMinutes": .number(Double(minutes)),
                "resolutionHours": .number(Double(hours))]))
            preamble.append(envelope("sla.policy_set", customer: nil, caseId: nil, data: [
                "segment": .string(segment), "channel": "phone", "firstResponseMinutes": .number(Double(minutes / 2)),
                "resolutionHours": .number(Double(hours))]))
        }
        preamble.reverse()
    }

    // MARK: Randomness (SplitMix64: tiny, fast, and the same on every platform)

    private mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ n: Int) -> Int { Int(random() % UInt64(max(1, n))) }

    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    // MARK: Envelopes

    /// A UUID-shaped id unique per seed and event number.
    private func uuid(_ n: Int) -> String {
        func hex(_ v: UInt64, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s.suffix(width)
        }
        return "\(hex(salt & 0xFFFF_FFFF, 8))-\(hex((salt >> 32) & 0xFFFF, 4))-4\(hex(UInt64(n >> 48) & 0xFFF, 3))-8\(hex((salt >> 48) & 0xFFF, 3))-\(hex(UInt64(n) & 0xFFFF_FFFF_FFFF, 12))"
    }

    private mutating func envelope(_ type: String, customer: Int?, caseId: Int?, data: [String: JSONValue]) -> JSONValue {
        counter += 1
        clock = clock.adding(seconds: Int64(1 + below(300)))
        var e: [String: JSONValue] = [
            "id": .string(uuid(counter)), "type": .string(type), "occurredAt": .string(clock.rfc3339()),
            "source": "generator", "data": .object(data),
        ]
        if let customer { e["customerId"] = .string(Self.customerId(customer)) }
        if let caseId { e["caseId"] = .string(Self.caseId(caseId)) }
        return .object(e)
    }

    public static func customerId(_ n: Int) -> String { "cust-\(n)" }
    public static func caseId(_ n: Int) -> String { "case-\(n)" }

    /// How many cases the history has opened so far (their ids are `caseId(0..<n)`).
    public var casesOpened: Int { cases.count }

    // MARK: Generating

    /// The next envelope of the history.
    public mutating func next() -> JSONValue {
        if let e = preamble.popLast() { return e }
        let customer = below(parameters.customers)
        if !profiled.contains(customer) {
            profiled.insert(customer)
            return envelope("customer.profiled", customer: customer, caseId: nil, data: [
                "name": .string("Customer \(customer)"), "segment": .string(pick(Self.segments))])
        }
        let roll = below(1000)
        switch roll {
        case 0..<4:
            return envelope("review.held", customer: nil, caseId: nil, data: [
                "periodStart": "2026-01-01", "periodEnd": "2026-01-31", "findings": ["slow first responses"]])
        case 4..<8:
            return envelope("sla.policy_set", customer: nil, caseId: nil, data: [
                "segment": .string(pick(Self.segments)), "channel": .string(pick(Self.channels)),
                "firstResponseMinutes": .number(Double(10 + below(240))), "resolutionHours": .number(Double(4 + below(120)))])
        case 8..<20:
            return envelope("customer.profiled", customer: customer, caseId: nil, data: ["segment": .string(pick(Self.segments))])
        case 20..<45:
            return envelope("customer.influence_observed", customer: customer, caseId: nil, data: [
                "channel": .string(pick(["social", "blog", "video"])), "followers": .number(Double(below(10) == 0 ? below(500_000) : below(2000)))])
        case 45..<200:
            return interaction(customer)
        case 200..<330:
            if active.count < parameters.openCaseTarget || chance(20) { return open(customer) }
            return caseEvent()
        default:
            return caseEvent()
        }
    }

    /// The next `count` envelopes.
    public mutating func envelopes(_ count: Int) -> [JSONValue] {
        (0..<count).map { _ in next() }
    }

    /// The next `count` events, validated and ready to append.
    public mutating func nextBatch(_ count: Int) throws -> [ProposedEvent] {
        try envelopes(count).map { try EventValidator.validate($0) }
    }

    private mutating func open(_ customer: Int) -> JSONValue {
        let n = cases.count
        cases.append(GenCase(customer: customer, status: .open, level: 0, criteria: []))
        active.append(n)
        return envelope("case.opened", customer: customer, caseId: n, data: [
            "category": .string(pick(Self.categories)), "channel": .string(pick(Self.channels)),
            "severity": .number(Double(1 + below(4))), "summary": .string("generated case \(n)")])
    }

    private mutating func interaction(_ customer: Int) -> JSONValue {
        var data: [String: JSONValue] = [
            "channel": .string(pick(Self.channels)), "direction": chance(50) ? "inbound" : "outbound",
            "public": .bool(chance(10)), "sentiment": .number(Double(below(201) - 100) / 100),
            "summary": "generated interaction",
        ]
        var caseIndex: Int?
        var who = customer
        if !cases.isEmpty, chance(70) {
            let c = chance(85) && !active.isEmpty ? active[below(active.count)] : below(cases.count)
            caseIndex = c
            who = cases[c].customer
            if data["direction"] == "outbound", chance(40) { data["templateId"] = .string(pick(Self.templates)) }
        }
        return envelope("interaction.recorded", customer: who, caseId: caseIndex, data: data)
    }

    /// A lifecycle-valid event on an existing case.
    private mutating func caseEvent() -> JSONValue {
        if active.isEmpty || (!closed.isEmpty && chance(4)) {
            guard !closed.isEmpty else { return open(below(parameters.customers)) }
            let slot = below(closed.count)
            let c = closed[slot]
            if chance(50) {
                closed.remove(at: slot)
                active.append(c)
                cases[c].status = .open
                return envelope("case.reopened", customer: cases[c].customer, caseId: c, data: ["reason": "it happened again"])
            }
            return envelope("case.satisfaction_rated", customer: cases[c].customer, caseId: c, data: ["score": .number(Double(1 + below(5)))])
        }
        let slot = below(active.count)
        let c = active[slot]
        let g = cases[c]
        let customer = g.customer
        func close(_ type: String, _ data: [String: JSONValue]) -> JSONValue {
            active.remove(at: slot)
            closed.append(c)
            cases[c].status = .closed
            return envelope(type, customer: customer, caseId: c, data: data)
        }
        if g.status == .resolutionProposed {
            switch below(10) {
            case 0..<5: return close("case.closeout_accepted", ["by": "customer"])
            case 5..<8:
                cases[c].status = .open
                return envelope("case.closeout_disputed", customer: customer, caseId: c, data: [
                    "reason": "not what was agreed", "unmetCriteria": .array(g.criteria.prefix(1).map { .string($0) })])
            default: break
            }
        }
        switch below(100) {
        case 0..<14:
            return envelope("case.assigned", customer: customer, caseId: c, data: ["owner": .string("agent-\(below(40))"), "team": "care"])
        case 14..<24:
            cases[c].level += 1 + below(2)
            return envelope("case.escalated", customer: customer, caseId: c, data: [
                "level": .number(Double(cases[c].level)), "reason": "customer unhappy", "kind": chance(50) ? "functional" : "hierarchical"])
        case 24..<28 where g.level > 0:
            cases[c].level = below(g.level)
            return envelope("case.deescalated", customer: customer, caseId: c, data: [
                "level": .number(Double(cases[c].level)), "justification": "plan on track"])
        case 28..<34:
            return envelope("case.recategorized", customer: customer, caseId: c, data: [
                "category": .string(pick(Self.categories)), "reason": "triage"])
        case 34..<38:
            return envelope("case.situation_summarized", customer: customer, caseId: c, data: [
                "summary": "what went wrong", "contributingFactors": ["process gap"], "rootCause": "unknown yet"])
        case 38..<42:
            return envelope("case.meeting_held", customer: customer, caseId: c, data: [
                "kind": .string(pick(["rehearsal", "customer", "management"])), "seniorManagement": .bool(chance(30))])
        case 42..<48:
            let k = 1 + below(3)
            cases[c].criteria = (0..<k).map { "k\(c)-\(counter)-\($0)" }
            return envelope("case.plan_agreed", customer: customer, caseId: c, data: [
                "successCriteria": .array(cases[c].criteria.map { .object(["id": .string($0), "text": "do it"]) })])
        case 48..<56 where !g.criteria.isEmpty:
            return envelope("case.criterion_met", customer: customer, caseId: c, data: ["criterionId": .string(pick(g.criteria))])
        case 56..<66:
            cases[c].status = .resolutionProposed
            return envelope("case.resolution_proposed", customer: customer, caseId: c, data: ["resolution": "fixed"])
        case 66..<71:
            return close("case.returned_to_sop", ["justification": "back to normal"])
        case 71..<80:
            return close("case.closed", ["reason": .string(pick(["resolved", "duplicate", "withdrawn"]))])
        case 80..<86 where cases.count > 1:
            var other = below(cases.count)
            if other == c { other = (other + 1) % cases.count }
            return envelope("case.linked", customer: customer, caseId: c, data: [
                "relatedCaseId": .string(Self.caseId(other)),
                "relation": .string(pick(["same_incident", "separate_similar", "same_root_cause", "not_related"]))])
        default:
            return interaction(customer)
        }
    }
}
