import Foundation
import LMDB

/// SPEC's at-risk projection: customers most likely to take a complaint public, scored from public negative
/// interactions weighted by reach, repeat incidents, disputed close-outs and form-letter loops.
///
/// Score (rounded to hundredths, so the ranking key is exact):
/// `2·P·(1 + log10(1 + F)) + 3·R + 4·D + 2·L`, where P = public interactions with sentiment < 0,
/// F = the customer's followers now (largest latest value across channels), R = cases holding a suggested or
/// confirmed repeat link, D = disputed close-outs, L = cases where one template went out 3 or more times.
///
/// Tables:
/// - `customers`: `01` ‖ customerId → signals; `02` ‖ caseId ‖ 00 ‖ templateId → outbound count;
///   `03` ‖ caseId → ∅ once the case counted as a form-letter loop.
/// - `ranking`: (UInt64.max − score·100) big-endian ‖ customerId → ∅, for customers with a score above 0.
/// R is counted from the changes repeat-incidents records in its `holds` table (see `RepeatHoldLog`).
public struct AtRiskProjection: Projection {
    public static let name = "at-risk"
    // 3: candidate keys length-prefix the category, so the rule matches it exactly.
    // 4: repeat incidents are read from repeat-incidents' `holds`, instead of a copy of the rule's tables.
    public static let version = 4
    public static let tableNames = ["customers", "ranking"]
    public static let dependencies: [any Projection.Type] = [RepeatIncidentsProjection.self]
    /// Outbound sends of one template on one case that make a form-letter loop.
    public static let loopThreshold = 3

    let customers: Database
    let ranking: Database
    /// Nil when bound for queries only (see `Projection.dependencies`).
    let holds: RepeatHoldLog?

    public init(tables: ProjectionTables) {
        customers = tables["customers"]
        ranking = tables["ranking"]
        holds = tables.of(RepeatIncidentsProjection.self).map { RepeatHoldLog($0["holds"]) }
    }

    /// The signals of one customer.
    struct Signals: Equatable {
        var followers = FollowerCounts()
        var publicNegatives = 0
        var repeatIncidents = 0
        var disputedCloseouts = 0
        var formLetterLoops = 0

        init() {}

        init?(_ raw: UnsafeRawBufferPointer) {
            var r = ByteReader(raw)
            followers = FollowerCounts.read(from: &r, limit: raw.count)
            publicNegatives = r.int()
            repeatIncidents = r.int()
            disputedCloseouts = r.int()
            formLetterLoops = r.int()
            guard r.isValid else { return nil }
        }

        func encoded() -> [UInt8] {
            var w = ByteWriter(capacity: 64)
            followers.write(to: &w)
            for n in [publicNegatives, repeatIncidents, disputedCloseouts, formLetterLoops] { w.int(n) }
            return w.bytes
        }

        var publicPoints: Double {
            Double(2 * publicNegatives) * (1 + log10(1 + Double(followers.largest ?? 0)))
        }

        /// The score in hundredths.
        var scoreCents: Int {
            let raw = publicPoints + Double(3 * repeatIncidents + 4 * disputedCloseouts + 2 * formLetterLoops)
            return Int((raw * 100).rounded())
        }

        var reasons: [JSONValue] {
            func reason(_ signal: String, _ count: Int, _ points: Double, _ text: String) -> JSONValue {
                .object(["signal": .string(signal), "count": .number(Double(count)),
                         "points": .number((points * 100).rounded() / 100), "text": .string(text)])
            }
            var out: [JSONValue] = []
            if publicNegatives > 0 {
                let f = followers.largest ?? 0
                out.append(reason("public_negative", publicNegatives, publicPoints,
                                  "\(publicNegatives) public negative interaction\(publicNegatives == 1 ? "" : "s") reaching \(f) follower\(f == 1 ? "" : "s")"))
            }
            if repeatIncidents > 0 {
                out.append(reason("repeat_incidents", repeatIncidents, Double(3 * repeatIncidents),
                                  "\(repeatIncidents) repeat incident\(repeatIncidents == 1 ? "" : "s")"))
            }
            if disputedCloseouts > 0 {
                out.append(reason("disputed_closeouts", disputedCloseouts, Double(4 * disputedCloseouts),
                                  "\(disputedCloseouts) disputed close-out\(disputedCloseouts == 1 ? "" : "s")"))
            }
            if formLetterLoops > 0 {
                out.append(reason("form_letter_loops", formLetterLoops, Double(2 * formLetterLoops),
                                  "the same form letter sent \(Self.threshold)+ times on \(formLetterLoops) case\(formLetterLoops == 1 ? "" : "s")"))
            }
            return out
        }

        static var threshold: Int { AtRiskProjection.loopThreshold }
    }

    static func customerKey(_ id: String) -> [UInt8] { [1] + Array(id.utf8) }

    static func rankKey(_ cents: Int, _ customer: String) -> [UInt8] {
        var k: [UInt8] = []
        withUnsafeBytes(of: (UInt64.max - UInt64(max(0, cents))).bigEndian) { k.append(contentsOf: $0) }
        return k + Array(customer.utf8)
    }

    static func templateCountKey(_ caseId: String, _ template: String) -> [UInt8] {
        [2] + Array(caseId.utf8) + [0] + Array(template.utf8)
    }

    static func countValue(_ count: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.int(count)
        return w.bytes
    }

    static func loopKey(_ caseId: String) -> [UInt8] { [3] + Array(caseId.utf8) }

    // MARK: Apply

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let change = try RepeatHoldLog.change(at: event.position, of: event.type, in: holds, for: Self.name, txn) {
            try update(change.customerId, in: txn) { $0.repeatIncidents += change.holds ? 1 : -1 }
        }
        guard let customer = event.customerId else { return }
        let d = event.data
        switch event.type {
        case .customerInfluenceObserved:
            guard let channel = d["channel"]?.stringValue, let n = d["followers"]?.intValue else { return }
            try update(customer, in: txn) { $0.followers.observe(channel: channel, followers: n) }
        case .caseCloseoutDisputed:
            try update(customer, in: txn) { $0.disputedCloseouts += 1 }
        case .interactionRecorded:
            if d["public"]?.boolValue == true, let s = d["sentiment"]?.doubleValue, s < 0 {
                try update(customer, in: txn) { $0.publicNegatives += 1 }
            }
            guard d["direction"]?.stringValue == "outbound", let caseId = event.caseId,
                  let template = d["templateId"]?.stringValue else { return }
            let countKey = Self.templateCountKey(caseId, template)
            let count = (try countKey.withBytes { k in
                try txn.withValue(customers, key: k) { raw in raw.map { ByteReader($0) }.map { var r = $0; return r.int() } }
            } ?? 0) + 1
            try txn.put(customers, key: countKey, value: Self.countValue(count))
            let loopKey = Self.loopKey(caseId)
            if count == Self.loopThreshold, try !txn.contains(customers, key: loopKey) {
                try txn.put(customers, key: loopKey, value: [UInt8]())
                try update(customer, in: txn) { $0.formLetterLoops += 1 }
            }
        default:
            return
        }
    }

    private func update(_ customer: String, in txn: borrowing WriteTransaction, _ change: (inout Signals) -> Void) throws {
        let key = Self.customerKey(customer)
        var s = try key.withBytes { k in try txn.withValue(customers, key: k) { $0.flatMap(Signals.init) } } ?? Signals()
        let before = s.scoreCents
        change(&s)
        let after = s.scoreCents
        if before != after {
            if before > 0 { try txn.delete(ranking, key: Self.rankKey(before, customer)) }
            if after > 0 { try txn.put(ranking, key: Self.rankKey(after, customer), value: [UInt8]()) }
        }
        try txn.put(customers, key: key, value: s.encoded())
    }

    // MARK: Queries

    /// `GET /v1/at-risk`: up to `limit` customers, highest score first (ties by customerId), as `{"customers": [...]}`.
    public func top(limit: Int = 50, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> JSONValue {
        guard limit >= 1, limit <= 1000 else {
            throw LedgerError(code: .invalidQuery, message: "limit must be from 1 to 1000", field: "limit")
        }
        var out: [JSONValue] = []
        try txn.scan(ranking) { key, _ in
            guard key.count > 8 else { return true }
            let customer = String(decoding: key[8...], as: UTF8.self)
            if let entry = try self.entry(customer, in: txn) { out.append(entry) }
            return out.count < limit
        }
        return .object(["customers": .array(out)])
    }

    /// One customer's score and reasons, or nil when the ledger has no signal about them.
    public func entry(_ customerId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> JSONValue? {
        guard let s = try Self.customerKey(customerId).withBytes({ k in
            try txn.withValue(customers, key: k) { $0.flatMap(Signals.init) }
        }) else { return nil }
        return .object([
            "customerId": .string(customerId),
            "score": .number(Double(s.scoreCents) / 100),
            "reasons": .array(s.reasons),
        ])
    }
}

extension AtRiskProjection: BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold { AtRiskBulkFold(self, shared) }
}
