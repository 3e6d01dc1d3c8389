import LMDB

/// A case's state as the ledger knew it at an earlier position or time (`asOf`), folded from its stream
/// with the same `CaseFold` as the live open-cases projection.
public enum CaseTimeTravel {
    /// The moment to travel to.
    public enum Moment: Sendable, Equatable {
        /// Every event up to and including this position.
        case position(Int)
        /// Every event whose `recordedAt` is at or before this time.
        case time(Timestamp)

        /// Reads `asOf`: a positive integer is a position, anything else must be an RFC 3339 date-time.
        public init?(_ text: String) {
            if let p = Int(text) {
                guard p >= 1 else { return nil }
                self = .position(p)
            } else if let t = Timestamp.parseDateTime(text) {
                self = .time(t)
            } else {
                return nil
            }
        }
    }

    /// The case object as of `moment` (breaches judged at the moment's `recordedAt` or time, or at `now` where
    /// that is earlier), or nil when the case was not opened by then or is unknown.
    ///
    /// `openCases` is `host.projection(OpenCasesProjection.self)`, fetched before `txn` begins: in a read-only
    /// process that call opens databases and reads the registry in transactions of its own, which must not
    /// nest inside `txn`.
    public static func state(_ caseId: String, asOf moment: Moment, now: Timestamp, log: EventLog,
                             openCases: OpenCasesProjection, in txn: borrowing ReadTransaction) throws -> JSONValue? {
        try record(caseId, asOf: moment, now: now, log: log, openCases: openCases, in: txn).map { $0.record.json(now: $0.judgedAt) }
    }

    /// The same, taking the projection from `host`. Safe inside `txn` only in the writing process (the server),
    /// where `host.projection` returns its live instance without touching LMDB; read-only processes use the
    /// `openCases:` form.
    public static func state(_ caseId: String, asOf moment: Moment, now: Timestamp, log: EventLog,
                             host: ProjectionHost, in txn: borrowing ReadTransaction) throws -> JSONValue? {
        try state(caseId, asOf: moment, now: now, log: log, openCases: try host.projection(OpenCasesProjection.self), in: txn)
    }

    /// The folded record and the instant its breaches are judged at.
    public static func record(_ caseId: String, asOf moment: Moment, now: Timestamp, log: EventLog,
                              openCases: OpenCasesProjection, in txn: borrowing ReadTransaction) throws -> (record: CaseRecord, judgedAt: Timestamp)? {
        // Segment and policy are fixed at opening, so the live record supplies them.
        guard let live = try openCases.record(caseId, in: txn) else { return nil }
        var lastPosition = Int.max
        var until: Timestamp?
        var judgedAt = now
        switch moment {
        case .position(let p):
            lastPosition = p
            if let e = try log.storedEvent(at: p, in: txn) { judgedAt = min(try e.recorded().recordedAt, now) }
        case .time(let t):
            until = t
            judgedAt = min(t, now)
        }
        let stream = "case-" + caseId
        let prefix = LogDatabases.streamPrefix(stream)
        var positions: [Int] = []
        try txn.scan(log.databases.streamEvents, from: prefix) { key, value in
            guard key.count == prefix.count + 8, key.starts(with: prefix), let p = BigEndianKey.decode(value),
                  Int(p) <= lastPosition else { return false }
            positions.append(Int(p))
            return true
        }
        var folded: CaseRecord?
        for p in positions {
            guard let stored = try log.storedEvent(at: p, in: txn) else { break }
            let event = try stored.recorded()
            // recordedAt never decreases with position, so the first later one ends the walk.
            if let until, event.recordedAt > until { break }
            if event.type == .caseOpened {
                folded = CaseFold.opened(event, segment: live.segment, policy: live.policy)
            } else if folded != nil {
                CaseFold.apply(event, to: &folded!)
            }
        }
        return folded.map { ($0, judgedAt) }
    }
}
