import LMDB

/// SPEC's open-cases projection: every case's record (closed ones too), an urgency index of the cases not
/// closed, and what opening a case needs to know (customer segments, SLA policies).
///
/// Tables:
/// - `cases`: caseId → `CaseRecord` (binary).
/// - `urgency`: `01` ‖ UrgencyKey → caseId, and `02` ‖ customerId ‖ 00 ‖ UrgencyKey → caseId, for cases not closed.
/// - `settings`: `01` ‖ customerId → latest segment; `02` ‖ segment ‖ 00 ‖ channel → latest policy
///   (channel empty for the segment-wide one). Overwriting keeps "the last appended before the opening".
public struct OpenCasesProjection: Projection {
    public static let name = "open-cases"
    public static let version = 1
    public static let tableNames = ["cases", "urgency", "settings"]

    let cases: Database
    let urgency: Database
    let settings: Database

    public init(tables: ProjectionTables) {
        cases = tables["cases"]
        urgency = tables["urgency"]
        settings = tables["settings"]
    }


    // MARK: Keys

    static func segmentKey(_ customerId: String) -> [UInt8] { [1] + Array(customerId.utf8) }

    static func policyKey(_ segment: String, _ channel: String?) -> [UInt8] {
        [2] + Array(segment.utf8) + [0] + Array((channel ?? "").utf8)
    }

    static func globalKey(_ k: UrgencyKey) -> [UInt8] { [1] + k.bytes }

    static func customerPrefix(_ customerId: String) -> [UInt8] { [2] + Array(customerId.utf8) + [0] }

    // MARK: Apply

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        switch event.type {
        case .customerProfiled:
            if let segment = event.data["segment"]?.stringValue, let customer = event.customerId {
                try txn.put(settings, key: Self.segmentKey(customer), value: segment)
            }
        case .slaPolicySet:
            guard let segment = event.data["segment"]?.stringValue, let policy = SLAPolicy(data: event.data) else { return }
            try txn.put(settings, key: Self.policyKey(segment, event.data["channel"]?.stringValue), value: Self.policyBytes(policy))
        default:
            guard let caseId = Self.caseChanged(by: event) else { return }
            try applyToCase(caseId, event, in: txn)
        }
    }

    /// The case whose record `event` changes, if any: settings and signals that belong to no case's record
    /// leave every record alone.
    static func caseChanged(by event: RecordedEvent) -> String? {
        switch event.type {
        case .customerProfiled, .slaPolicySet, .customerInfluenceObserved, .reviewHeld: nil
        default: event.caseId
        }
    }

    private func applyToCase(_ caseId: String, _ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        let before = event.type == .caseOpened ? nil : try record(caseId, in: txn)
        guard let after = try folded(before, with: event, in: txn) else { return }
        try write(caseId, from: before, to: after, in: txn)
    }

    /// The record after `event`, from `before` (nil for an opening, or for a case not opened, which stays unknown).
    private func folded(_ before: CaseRecord?, with event: RecordedEvent, in txn: borrowing WriteTransaction) throws -> CaseRecord? {
        guard event.type == .caseOpened else {
            guard var after = before else { return nil }
            CaseFold.apply(event, to: &after)
            return after
        }
        let segment = try event.customerId.flatMap { c in
            try txn.get(settings, key: Self.segmentKey(c)).map { String(decoding: $0, as: UTF8.self) }
        }
        return CaseFold.opened(event, segment: segment,
                               policy: try segment.flatMap { try policy(segment: $0, channel: event.data["channel"]?.stringValue, in: txn) })
    }

    /// Stores `after` over `before`, moving the case in the urgency index when its place changed.
    private func write(_ caseId: String, from before: CaseRecord?, to after: CaseRecord, in txn: borrowing WriteTransaction) throws {
        let oldKey = before.flatMap { $0.isClosed ? nil : UrgencyKey($0) }
        let newKey = after.isClosed ? nil : UrgencyKey(after)
        if oldKey != newKey {
            if let oldKey, let b = before {
                try txn.delete(urgency, key: Self.globalKey(oldKey))
                try txn.delete(urgency, key: Self.customerPrefix(b.customerId) + oldKey.bytes)
            }
            if let newKey {
                try txn.put(urgency, key: Self.globalKey(newKey), value: caseId)
                try txn.put(urgency, key: Self.customerPrefix(after.customerId) + newKey.bytes, value: caseId)
            }
        }
        try txn.put(cases, key: caseId, value: after.encoded())
    }

    /// A write transaction's events, with each case's record read once, folded in memory and written once
    /// at the end: a batch usually carries several events of the same case, and reading, re-encoding and
    /// re-writing its record (and urgency entries) for each of them was most of this projection's cost.
    ///
    /// Writing only the last state is what folding one by one leaves behind: each step's urgency entries are
    /// deleted by the next step, so only the first step's old entries and the last step's new ones remain.
    public func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws {
        guard events.count > 1 else {
            for event in events { try apply(event, in: txn) }
            return
        }
        // Cases in the order first touched, each with its stored record and its record now.
        var touched: [(caseId: String, stored: CaseRecord?, current: CaseRecord)] = []
        var index: [UTF8Key: Int] = [:]
        for event in events {
            guard let caseId = Self.caseChanged(by: event), let key = event.caseKey else {
                // Settings are written at once: an opening later in the batch reads them.
                try apply(event, in: txn)
                continue
            }
            if let i = index[key] {
                if event.type == .caseOpened {
                    // The log refuses a second opening; should one come, it is written as one by one would:
                    // what came before it first, then the opening over nothing.
                    try write(caseId, from: touched[i].stored, to: touched[i].current, in: txn)
                    touched[i].stored = nil
                    touched[i].current = try folded(nil, with: event, in: txn)!
                } else {
                    CaseFold.apply(event, to: &touched[i].current)
                }
                continue
            }
            let stored = event.type == .caseOpened ? nil : try record(caseId, in: txn)
            guard let current = try folded(stored, with: event, in: txn) else { continue }
            index[key] = touched.count
            touched.append((caseId, stored, current))
        }
        for t in touched { try write(t.caseId, from: t.stored, to: t.current, in: txn) }
    }

    static func policyBytes(_ policy: SLAPolicy) -> [UInt8] {
        var w = ByteWriter(capacity: 16)
        w.int(policy.firstResponseMinutes)
        w.int(policy.resolutionHours)
        return w.bytes
    }

    static func policy(from raw: some ContiguousBytesView) -> SLAPolicy? {
        raw.withBytes { bytes in
            var r = ByteReader(bytes)
            return SLAPolicy(firstResponseMinutes: r.int(), resolutionHours: r.int())
        }
    }

    /// SPEC's choice: the latest policy for the segment and channel, else the latest for the segment with no channel.
    func policy(segment: String, channel: String?, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> SLAPolicy? {
        func read(_ key: [UInt8]) throws -> SLAPolicy? {
            try key.withBytes { k in
                try txn.withValue(settings, key: k) { raw in raw.flatMap { Self.policy(from: $0) } }
            }
        }
        if let channel, let p = try read(Self.policyKey(segment, channel)) { return p }
        return try read(Self.policyKey(segment, nil))
    }

    // MARK: Queries

    /// The stored record of a case (open or closed), or nil for an unknown case.
    public func record(_ caseId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> CaseRecord? {
        try caseId.withBytes { k in
            try txn.withValue(cases, key: k) { raw in raw.flatMap { CaseRecord(decoding: $0) } }
        }
    }

    /// `GET /v1/cases/{caseId}`: the case object with breaches judged at `now`, or nil for an unknown case.
    public func caseView(_ caseId: String, now: Timestamp, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> JSONValue? {
        try record(caseId, in: txn)?.json(now: now)
    }

    /// `GET /v1/cases/open`: the cases not closed, most urgent first, filtered, one page from `filter.cursor`.
    /// `nextCursor` is nil when no further case matches.
    public func list(filter: OpenCasesFilter, now: Timestamp,
                     in txn: borrowing some ReadableTransaction & ~Copyable) throws -> (cases: [JSONValue], nextCursor: String?) {
        guard filter.limit >= 1, filter.limit <= OpenCasesFilter.maxLimit else {
            throw LedgerError(code: .invalidQuery, message: "limit must be from 1 to \(OpenCasesFilter.maxLimit)", field: "limit")
        }
        var after: UrgencyKey?
        if let cursor = filter.cursor {
            guard let k = UrgencyKey(cursor: cursor) else {
                throw LedgerError(code: .invalidQuery, message: "cursor is not one this ledger gave out", field: "cursor")
            }
            after = k
        }
        let prefix = filter.customerId.map(Self.customerPrefix) ?? [1]
        let start = prefix + (after?.bytes ?? [])
        var page: [JSONValue] = []
        var lastKey: [UInt8]?
        var more = false
        try txn.scan(urgency, from: start) { key, value in
            guard key.starts(with: prefix), key.count == prefix.count + UrgencyKey.size else { return false }
            let urgencyBytes = key[prefix.count...]
            if let after, urgencyBytes.elementsEqual(after.bytes) { return true }
            guard let r = try txn.withValue(cases, key: value, { $0.flatMap { CaseRecord(decoding: $0) } }),
                  filter.matches(r, now: now) else { return true }
            if page.count == filter.limit {
                more = true
                return false
            }
            page.append(r.json(now: now))
            lastKey = Array(urgencyBytes)
            return true
        }
        return (page, more ? lastKey.map(Hex.string) : nil)
    }

    /// The number of cases not closed (for metrics and tests).
    public func openCount(in txn: borrowing some ReadableTransaction & ~Copyable) throws -> Int {
        var n = 0
        try txn.scan(urgency, from: [UInt8(1)]) { key, _ in
            guard key.first == 1 else { return false }
            n += 1
            return true
        }
        return n
    }
}

extension OpenCasesProjection: BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold { OpenCasesBulkFold(self, shared) }
}
