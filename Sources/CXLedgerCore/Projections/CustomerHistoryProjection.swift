import LMDB

/// SPEC's customer-history projection: per customer a profile, counters and a timeline of every event
/// about them, newest first.
///
/// Tables:
/// - `customers`: `01` ‖ customerId → profile and counters.
/// - `timeline`: customerId ‖ 00 ‖ first position (big-endian) → up to `timelineRun` positions (8 bytes each,
///   big-endian, ascending), the customer's events from the first on. An index into the log: a page of the
///   timeline reads its events from the log. A copy of each event's fields here made the table six times larger
///   and, since a commit touches about one leaf per customer, its branch pages too; it was a third of the live
///   projections' page writes. A key per event made it half of a rebuild's entries to write.
/// `repeatIncidents` counts the changes repeat-incidents records in its `holds` table (see `RepeatHoldLog`), and the
/// customer a case was opened for, whose counts its closing moves, is read from repeat-incidents' `cases`.
public struct CustomerHistoryProjection: Projection {
    public static let name = "customer-history"
    // 3: candidate keys length-prefix the category, so the rule matches it exactly.
    // 4: the timeline holds positions only; entries are read from the log.
    // 5: a timeline entry holds a run of up to `timelineRun` positions.
    // 6: repeat incidents are read from repeat-incidents' `holds`, instead of a copy of the rule's tables.
    // 7: a case's customer is read from repeat-incidents' `cases`, instead of `02` keys of its own.
    public static let version = 7

    /// How many positions one timeline entry holds at most: an append rewrites the customer's last entry, so
    /// this bounds what it copies (512 bytes), and a rebuild writes about an eighth as many entries as events.
    static let timelineRun = 64
    public static let tableNames = ["customers", "timeline"]
    public static let dependencies: [any Projection.Type] = [RepeatIncidentsProjection.self]

    let customers: Database
    let timeline: Database
    /// repeat-incidents' tables; nil when bound for queries only (see `Projection.dependencies`).
    let holds: RepeatHoldLog?
    let rule: RepeatLinker?

    public init(tables: ProjectionTables) {
        customers = tables["customers"]
        timeline = tables["timeline"]
        let repeats = tables.of(RepeatIncidentsProjection.self)
        holds = repeats.map { RepeatHoldLog($0["holds"]) }
        rule = repeats.map { RepeatLinker(cases: $0["cases"], keys: $0["keys"]) }
    }

    /// Profile and counters of one customer.
    struct Record: Equatable {
        var name: String?
        var segment: String?
        var followers = FollowerCounts()
        var casesOpen = 0
        var casesClosed = 0
        var escalations = 0
        var publicComplaints = 0
        var repeatIncidents = 0
        var disputedCloseouts = 0

        init() {}

        init?(_ raw: UnsafeRawBufferPointer) {
            var r = ByteReader(raw)
            name = r.optionalString()
            segment = r.optionalString()
            followers = FollowerCounts.read(from: &r, limit: raw.count)
            casesOpen = r.int()
            casesClosed = r.int()
            escalations = r.int()
            publicComplaints = r.int()
            repeatIncidents = r.int()
            disputedCloseouts = r.int()
            guard r.isValid else { return nil }
        }

        func encoded() -> [UInt8] {
            var w = ByteWriter(capacity: 96)
            w.optionalString(name)
            w.optionalString(segment)
            followers.write(to: &w)
            for n in [casesOpen, casesClosed, escalations, publicComplaints, repeatIncidents, disputedCloseouts] { w.int(n) }
            return w.bytes
        }
    }

    static func customerKey(_ id: String) -> [UInt8] { customerKey(Array(id.utf8)) }
    static func customerKey(_ id: [UInt8]) -> [UInt8] { [1] + id }

    static func timelineKey(_ customerId: String, _ position: Int) -> [UInt8] {
        timelineKey(Array(customerId.utf8), position)
    }

    static func timelineKey(_ customerId: [UInt8], _ position: Int) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(customerId.count + 9)
        appendTimelineKey(customerId, position, to: &k)
        return k
    }

    /// customerId ‖ 00 ‖ position (8 bytes, big-endian), appended to `bytes`.
    static func appendTimelineKey(_ customerId: [UInt8], _ position: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: customerId)
        bytes.append(0)
        withUnsafeBytes(of: UInt64(position).bigEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: Apply

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let change = try RepeatHoldLog.change(at: event.position, of: event.type, in: holds, for: Self.name, txn) {
            try update(change.customerId, in: txn) { $0.repeatIncidents += change.holds ? 1 : -1 }
        }
        guard let customer = event.customerId else { return }
        try appendTimeline(customer, event, in: txn)
        let d = event.data
        switch event.type {
        case .customerProfiled:
            try update(customer, in: txn) { r in
                if let n = d["name"]?.stringValue { r.name = n }
                if let s = d["segment"]?.stringValue { r.segment = s }
            }
        case .customerInfluenceObserved:
            guard let channel = d["channel"]?.stringValue, let n = d["followers"]?.intValue else { return }
            try update(customer, in: txn) { $0.followers.observe(channel: channel, followers: n) }
        case .interactionRecorded:
            guard d["public"]?.boolValue == true, d["direction"]?.stringValue == "inbound" else { return }
            try update(customer, in: txn) { $0.publicComplaints += 1 }
        case .caseOpened:
            try update(customer, in: txn) { $0.casesOpen += 1 }
        case .caseEscalated:
            try update(customer, in: txn) { $0.escalations += 1 }
        case .caseCloseoutDisputed:
            try update(customer, in: txn) { $0.disputedCloseouts += 1 }
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            guard let caseId = event.caseId, let owner = try caseOwner(caseId, in: txn) else { return }
            let closing = event.type != .caseReopened
            try update(owner, in: txn) { r in
                r.casesOpen += closing ? -1 : 1
                r.casesClosed += closing ? 1 : -1
            }
        default:
            return
        }
    }

    /// The customer the case was opened for (open/closed counts follow the case, whatever later events say), as
    /// repeat-incidents' rule keeps it for every opened case.
    private func caseOwner(_ caseId: String, in txn: borrowing WriteTransaction) throws -> String? {
        guard let rule else { throw LedgerError.boundForQueries(Self.name) }
        return try rule.entry(caseId, in: txn)?.customerId
    }

    private func update(_ customer: String, in txn: borrowing WriteTransaction, _ change: (inout Record) -> Void) throws {
        let key = Self.customerKey(customer)
        var r = try key.withBytes { k in try txn.withValue(customers, key: k) { $0.flatMap(Record.init) } } ?? Record()
        change(&r)
        try txn.put(customers, key: key, value: r.encoded())
    }

    /// Adds the event's position to the customer's last run, or starts a run when that one is full. Positions
    /// only grow, so the runs stay in order, and a rebuild cutting each customer's positions every `timelineRun`
    /// gets the same entries.
    private func appendTimeline(_ customer: String, _ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        // The customer's last key sorts at or before the customer's key for the greatest position.
        var key = Self.timelineKey(customer, Int(Int64.max))
        let prefixCount = key.count - 8
        var run: [UInt8] = []
        // One cursor finds the customer's last run and rewrites it in place: a walk down the tree less per event.
        try txn.withCursor(timeline) { cursor in
            if let last = try key.withUnsafeBytes({ try cursor.last(atMost: $0) }), last.key.count == key.count,
               last.key.prefix(prefixCount).elementsEqual(key.prefix(prefixCount)), last.value.count < Self.timelineRun * 8 {
                // Copied out first: writing through the cursor moves what the page holds.
                run.reserveCapacity(last.value.count + 8)
                run.append(contentsOf: last.value)
                key.replaceSubrange(prefixCount..., with: last.key[prefixCount...])
                Self.appendPosition(event.position, to: &run)
                try key.withUnsafeBytes { k in try run.withUnsafeBytes { v in try cursor.replaceCurrent(rawKey: k, rawValue: v) } }
            } else {
                key.removeLast(8)
                Self.appendPosition(event.position, to: &key)
                Self.appendPosition(event.position, to: &run)
                try key.withUnsafeBytes { k in try run.withUnsafeBytes { v in try cursor.put(rawKey: k, rawValue: v) } }
            }
        }
    }

    static func appendPosition(_ position: Int, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(position).bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// One timeline entry as the API shows it.
    static func timelineEntry(_ event: RecordedEvent) -> JSONValue {
        .object([
            "position": .number(Double(event.position)),
            "occurredAt": .string(event.occurredAt.rfc3339()),
            "type": .string(event.type.rawValue),
            "caseId": event.caseId.map { .string($0) } ?? .null,
            "channel": event.data["channel"]?.stringValue.map { .string($0) } ?? .null,
            "summary": summary(of: event).map { .string($0) } ?? .null,
        ])
    }

    /// A one-line account of an event for the timeline: the field that best says what happened.
    static func summary(of event: RecordedEvent) -> String? {
        let d = event.data
        func s(_ key: String) -> String? { d[key]?.stringValue }
        switch event.type {
        case .customerProfiled: return [s("name"), s("segment")].compactMap { $0 }.joined(separator: ", ")
        case .customerInfluenceObserved: return d["followers"]?.intValue.map { "\($0) followers" + (s("handle").map { " as \($0)" } ?? "") }
        case .interactionRecorded, .caseOpened, .caseSituationSummarized: return s("summary")
        case .caseRecategorized, .caseEscalated, .caseCloseoutDisputed, .caseClosed, .caseReopened: return s("reason")
        case .caseDeescalated, .caseReturnedToSOP: return s("justification")
        case .caseAssigned: return s("owner").map { "assigned to \($0)" }
        case .caseMeetingHeld: return s("outcome") ?? s("kind").map { "\($0) meeting" }
        case .casePlanAgreed: return "get-well plan with \(d["successCriteria"]?.arrayValue?.count ?? 0) criteria"
        case .caseCriterionMet: return s("criterionId").map { "criterion \($0) met" }
        case .caseResolutionProposed: return s("resolution")
        case .caseCloseoutAccepted: return s("by").map { "close-out accepted by \($0)" } ?? "close-out accepted"
        case .caseLinked: return [s("relation"), s("relatedCaseId")].compactMap { $0 }.joined(separator: " ")
        case .caseSatisfactionRated: return d["score"]?.intValue.map { "rated \($0)/5" + (s("comment").map { ": \($0)" } ?? "") }
        case .reviewHeld, .slaPolicySet: return nil
        }
    }

    // MARK: Queries

    /// `GET /v1/customers/{customerId}/history`: profile, counters and up to `limit` timeline entries with
    /// position < `before`, newest first, read from `log`; nil for a customer the ledger has no event about.
    public func history(_ customerId: String, limit: Int = 50, before: Int? = nil, from log: EventLog,
                        in txn: borrowing some ReadableTransaction & ~Copyable) throws -> JSONValue? {
        guard limit >= 1, limit <= 1000 else {
            throw LedgerError(code: .invalidQuery, message: "limit must be from 1 to 1000", field: "limit")
        }
        if let before, before < 1 {
            throw LedgerError(code: .invalidQuery, message: "before must be a position of at least 1", field: "before")
        }
        let record = try Self.customerKey(customerId).withBytes { k in
            try txn.withValue(customers, key: k) { $0.flatMap(Record.init) }
        }
        let prefix = Array(customerId.utf8) + [0]
        var more = false
        var known = record != nil
        var positions: [Int] = []
        // The run holding `before - 1` starts at or before it, so the walk back starts there.
        try txn.scan(timeline, from: Self.timelineKey(customerId, (before ?? Int(Int64.max)) - 1), reverse: true) { key, run in
            guard key.count == prefix.count + 8, key.starts(with: prefix) else { return false }
            guard !run.isEmpty, run.count % 8 == 0, run.count <= Self.timelineRun * 8 else {
                throw LedgerError(code: .invalidEvent, message: "the timeline of \(customerId) holds a run of \(run.count) bytes, "
                                  + "not whole positions; run cxledger-rebuild customer-history --check")
            }
            known = true
            for offset in stride(from: run.count - 8, through: 0, by: -8) {
                let position = Int(UInt64(bigEndian: run.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                if let before, position >= before { continue }
                if positions.count == limit {
                    more = true
                    return false
                }
                positions.append(position)
            }
            return true
        }
        let entries = try positions.map { position in
            guard let stored = try log.storedEvent(at: position, in: txn) else {
                // Both are read in one snapshot and written in one transaction, so only damage gets here.
                throw LedgerError(code: .invalidEvent, message: "the timeline of \(customerId) names position \(position), "
                                  + "which the log does not hold; run cxledger verify and cxledger-rebuild customer-history --check")
            }
            return Self.timelineEntry(try stored.recorded())
        }
        if !known {
            // A page past the oldest entry of a known customer is empty, not unknown.
            known = try firstTimelineKey(prefix, in: txn)
        }
        guard known else { return nil }
        let r = record ?? Record()
        return .object([
            "customerId": .string(customerId),
            "profile": .object([
                "name": r.name.map { .string($0) } ?? .null,
                "segment": r.segment.map { .string($0) } ?? .null,
                "followers": r.followers.largest.map { .number(Double($0)) } ?? .null,
            ]),
            "counters": .object([
                "casesOpen": .number(Double(r.casesOpen)),
                "casesClosed": .number(Double(r.casesClosed)),
                "escalations": .number(Double(r.escalations)),
                "publicComplaints": .number(Double(r.publicComplaints)),
                "repeatIncidents": .number(Double(r.repeatIncidents)),
                "disputedCloseouts": .number(Double(r.disputedCloseouts)),
            ]),
            "timeline": .array(entries),
            "nextBefore": more ? positions.last.map { .number(Double($0)) } ?? .null : .null,
        ])
    }

    private func firstTimelineKey(_ prefix: [UInt8], in txn: borrowing some ReadableTransaction & ~Copyable) throws -> Bool {
        var found = false
        try txn.scan(timeline, from: prefix) { key, _ in
            found = key.starts(with: prefix)
            return false
        }
        return found
    }
}

extension CustomerHistoryProjection: BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold { CustomerHistoryBulkFold(self, shared) }
}
