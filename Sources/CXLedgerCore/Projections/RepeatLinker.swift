import LMDB

/// SPEC's repeat-incident rule over two tables of repeat-incidents. The projections that count which cases hold
/// links (customer-history, at-risk) read the changes it returns from repeat-incidents' `holds` (`RepeatHoldLog`).
///
/// Decision on several qualifying cases: the rule suggests one link, to the most recently opened of them
/// (the nearest earlier occurrence), so links and the work per opening stay bounded however many cases a
/// customer has; chains (A ← B ← C) still connect them all.
///
/// Decision on `case.recategorized`: suggestions are made once, at opening, with the categories of that
/// moment; a later recategorisation neither adds nor withdraws suggestions, but later openings match the
/// case's current category.
///
/// Tables:
/// - cases: caseId → customerId, category, closedAt?, links.
/// - keys: `01` ‖ customerId ‖ 00 ‖ category length (UInt32, big-endian) ‖ category ‖ opening position (big-endian) ‖ caseId → closedAt, or ∅ while
///   not closed (every case, newest last, so a reverse scan finds the candidate without reading entries);
///   `02` ‖ earlierCaseId ‖ 00 ‖ laterCaseId → ∅ while the later case holds an active link to it.
public struct RepeatLinker: Sendable {
    public static let window: Int64 = 30

    let cases: Database
    let keys: Database

    public init(cases: Database, keys: Database) {
        self.cases = cases
        self.keys = keys
    }

    /// One case as the rule sees it.
    public struct Entry: Sendable, Equatable {
        public var customerId: String
        public var category: String
        public var openedPosition: Int
        public var closed: Bool
        public var closedAt: Timestamp?
        public var links: [RepeatLink]

        public var holdsActiveLink: Bool { links.contains { $0.isActive } }

        /// Records a person's `case.linked` decision about `related`; returns the link's new status.
        mutating func decide(_ related: String, relation: String) -> RepeatLink.Status {
            let status: RepeatLink.Status = relation == "not_related" ? .rejected : .confirmed
            if let i = links.firstIndex(where: { $0.relatedCaseId == related }) {
                links[i].status = status
                links[i].relation = relation
            } else {
                links.append(RepeatLink(relatedCaseId: related, status: status, relation: relation, basis: nil))
            }
            return status
        }

        func encoded() -> [UInt8] {
            var w = ByteWriter(capacity: 64)
            w.string(customerId)
            w.string(category)
            w.int(openedPosition)
            w.bool(closed)
            w.optionalTime(closedAt)
            w.int(links.count)
            for l in links { l.write(to: &w) }
            return w.bytes
        }

        init(customerId: String, category: String, openedPosition: Int) {
            self.customerId = customerId
            self.category = category
            self.openedPosition = openedPosition
            closed = false
            closedAt = nil
            links = []
        }

        init?(_ raw: UnsafeRawBufferPointer) {
            var r = ByteReader(raw)
            customerId = r.string()
            category = r.string()
            openedPosition = r.int()
            closed = r.bool()
            closedAt = r.optionalTime()
            links = (0..<max(0, min(r.int(), raw.count))).map { _ in RepeatLink.read(from: &r) }
            guard r.isValid else { return nil }
        }
    }

    /// A case whose "holds a suggested or confirmed link" changed.
    public struct HoldChange: Sendable, Equatable {
        public var caseId: String
        public var customerId: String
        public var holds: Bool
    }

    /// Customer ids hold no NUL, so `00` ends one; a category may hold anything JSON allows (NUL too), so its
    /// length goes first, and no category's prefix can extend another's.
    static func categoryPrefix(_ customerId: String, _ category: String) -> [UInt8] {
        var k: [UInt8] = [1] + Array(customerId.utf8) + [0]
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: category.utf8.count).bigEndian) { k.append(contentsOf: $0) }
        return k + Array(category.utf8)
    }

    static func candidateKey(_ e: Entry, _ caseId: String) -> [UInt8] {
        var k = categoryPrefix(e.customerId, e.category)
        var caseId = caseId
        caseId.withUTF8 { appendCandidateKeyTail(e.openedPosition, UnsafeRawBufferPointer($0), to: &k) }
        return k
    }

    /// What follows the category prefix in a candidate key: the opening position, then the case id.
    static func appendCandidateKeyTail(_ openedPosition: Int, _ caseId: UnsafeRawBufferPointer, to key: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(max(0, openedPosition)).bigEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: caseId)
    }

    /// The candidate key's value: the closing time, or nothing while the case is not closed.
    static func candidateValue(_ e: Entry) -> [UInt8] {
        guard e.closed, let t = e.closedAt else { return [] }
        var w = ByteWriter(capacity: 8)
        w.time(t)
        return w.bytes
    }

    static func laterPrefix(_ earlier: String) -> [UInt8] { [2] + Array(earlier.utf8) + [0] }

    public func entry(_ caseId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> Entry? {
        try caseId.withBytes { k in try txn.withValue(cases, key: k) { $0.flatMap(Entry.init) } }
    }

    /// Folds `event` in; returns the change of "holds a link" it caused, if any.
    @discardableResult
    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws -> HoldChange? {
        guard event.type.isCaseEvent, let caseId = event.caseId else { return nil }
        switch event.type {
        case .caseOpened:
            return try open(caseId, event, in: txn)
        case .caseRecategorized:
            guard let category = event.data["category"]?.stringValue, var e = try entry(caseId, in: txn),
                  e.category != category else { return nil }
            try txn.delete(keys, key: Self.candidateKey(e, caseId))
            e.category = category
            try txn.put(keys, key: Self.candidateKey(e, caseId), value: Self.candidateValue(e))
            try txn.put(cases, key: caseId, value: e.encoded())
        case .caseCloseoutAccepted, .caseReturnedToSOP, .caseClosed, .caseReopened:
            guard var e = try entry(caseId, in: txn) else { return nil }
            e.closed = event.type != .caseReopened
            e.closedAt = e.closed ? event.occurredAt : nil
            try txn.put(keys, key: Self.candidateKey(e, caseId), value: Self.candidateValue(e))
            try txn.put(cases, key: caseId, value: e.encoded())
        case .caseLinked:
            guard let related = event.data["relatedCaseId"]?.stringValue,
                  let relation = event.data["relation"]?.stringValue, var e = try entry(caseId, in: txn) else { return nil }
            let held = e.holdsActiveLink
            let status = e.decide(related, relation: relation)
            let laterKey = Self.laterPrefix(related) + Array(caseId.utf8)
            if status == .rejected { try txn.delete(keys, key: laterKey) } else { try txn.put(keys, key: laterKey, value: [UInt8]()) }
            try txn.put(cases, key: caseId, value: e.encoded())
            if held != e.holdsActiveLink {
                return HoldChange(caseId: caseId, customerId: e.customerId, holds: e.holdsActiveLink)
            }
        default:
            return nil
        }
        return nil
    }

    private func open(_ caseId: String, _ event: RecordedEvent, in txn: borrowing WriteTransaction) throws -> HoldChange? {
        let customer = event.customerId ?? ""
        var e = Entry(customerId: customer, category: event.data["category"]?.stringValue ?? "", openedPosition: event.position)
        let prefix = Self.categoryPrefix(customer, e.category)
        let windowStart = event.occurredAt.adding(days: -Self.window)
        // Newest first: the first case not closed, or closed inside the window, is the one to suggest.
        var found: (caseId: String, closedAt: Timestamp?)?
        try txn.scan(keys, from: prefix + [UInt8](repeating: 0xFF, count: 9), reverse: true) { key, value in
            guard key.count > prefix.count + 8, key.starts(with: prefix) else { return false }
            let other = String(decoding: key[(prefix.count + 8)...], as: UTF8.self)
            if other == caseId { return true }
            var closedAt: Timestamp?
            if value.count == 8 {
                var r = ByteReader(value)
                closedAt = r.time()
            }
            if let closedAt, closedAt < windowStart { return true }
            found = (other, closedAt)
            return false
        }
        if let found {
            e.links.append(RepeatLink(relatedCaseId: found.caseId, status: .suggested, relation: nil,
                                      basis: .init(category: e.category, relatedClosedAt: found.closedAt)))
            try txn.put(keys, key: Self.laterPrefix(found.caseId) + Array(caseId.utf8), value: [UInt8]())
        }
        try txn.put(keys, key: Self.candidateKey(e, caseId), value: Self.candidateValue(e))
        try txn.put(cases, key: caseId, value: e.encoded())
        return e.links.isEmpty ? nil : HoldChange(caseId: caseId, customerId: customer, holds: true)
    }

    /// The later cases holding an active link to `caseId`, in caseId order.
    public func laterRepeats(of caseId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> [String] {
        let prefix = Self.laterPrefix(caseId)
        var out: [String] = []
        try txn.scan(keys, from: prefix) { key, _ in
            guard key.starts(with: prefix) else { return false }
            out.append(String(decoding: key[prefix.count...], as: UTF8.self))
            return true
        }
        return out
    }
}
