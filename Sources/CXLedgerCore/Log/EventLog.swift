import Foundation
import LMDB
import Synchronization

/// The append-only event log: positions, streams, idempotency, the case lifecycle and the hash chain.
///
/// ```swift
/// let log = try EventLog(directory: dir)
/// let event = try EventValidator.validate(JSONParser.parse(line))
/// let answer = try log.append([event])       // fsynced when it returns
/// let page = try log.events(from: 1, limit: 100)
/// ```
public final class EventLog: Sendable {
    public let environment: Environment
    public let databases: LogDatabases
    /// Held weakly: the observer (the projection host) holds the log, and a strong reference back would keep
    /// both, the LMDB environment and its writer thread alive for the life of the process.
    private let observer = Mutex(WeakObserver())
    let groupCommit: GroupCommit
    /// The newest ids, which the id index does not hold yet (see `RecentIds`).
    let recentIds: RecentIds

    /// Opens (creating when writable) the ledger in `directory`. `idMergeEvery` new ids are kept in memory
    /// before they are written to the id index, in one sorted batch.
    public init(directory: String, options: Environment.Options = .init(), groupCommitLimit: Int = 100_000,
                idMergeEvery: Int = 50_000) throws {
        if !options.readOnly {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } else if !FileManager.default.fileExists(atPath: directory + "/data.mdb") {
            throw LedgerError(code: .notFound, message: "no ledger in \(directory)")
        }
        environment = try Environment(path: directory, options: options)
        databases = LogDatabases(try environment.openDatabases(LogDatabases.names))
        groupCommit = GroupCommit(limit: groupCommitLimit)
        recentIds = RecentIds(mergeEvery: idMergeEvery)
    }

    /// Installs what must move with every append (the live projections). The log does not keep it alive:
    /// its owner does, for as long as appends should move it.
    public func setObserver(_ observer: (any EventObserver)?) {
        self.observer.withLock { $0.value = observer }
    }

    // MARK: Appending

    /// Appends `events` atomically in one durable commit; throws `AppendFailure` and writes nothing
    /// if any event is refused.
    @discardableResult
    public func append(_ events: [ProposedEvent]) throws -> [AppendedEvent] {
        try environment.write { txn in
            try self.appending(in: txn) { appends in try self.apply(events, to: &appends, in: txn) }
        }
    }

    /// Appends through group commit: requests arriving together share one durable commit.
    /// Each request stays atomic and cannot fail its neighbours.
    @discardableResult
    public func append(_ events: [ProposedEvent]) async throws -> [AppendedEvent] {
        try await groupCommit.submit(events, to: self)
    }

    /// One event that passed every check, with what it will be stored as.
    private struct PlannedEvent {
        /// Index into the request's events (a copy of the event would cost a retain per member).
        let index: Int
        let position: Int
        let streamVersion: Int
        let caseState: CaseState?
    }

    /// The answer for one posted event: already stored, or the n-th planned event.
    private enum PlannedAnswer {
        case stored(AppendedEvent)
        case planned(Int, alreadyStored: Bool)
    }

    /// What one write transaction has appended so far. Each request starts from it, and the head and the
    /// observer (the live projections with their checkpoints) are written once, after the transaction's last
    /// request: group commit puts many single-event requests in one transaction, and rewriting the head and
    /// every projection's checkpoint for each of them was a quarter of the writer's work.
    struct PendingAppends {
        let observer: (any EventObserver)?
        /// The head so far: its position and `recordedAt`, and its hash as bytes (the link the next event
        /// hashes over).
        var position: Int
        var recordedAt: Timestamp?
        var previousHash: [UInt8]
        /// Stored so far, for the observer.
        var recorded: [RecordedEvent] = []
        /// Where the transaction began, so an empty one writes nothing.
        let startPosition: Int
    }

    /// Runs `body` (which applies requests with `apply(_:to:in:)`) between reading the head and writing the
    /// new head and the observer's part; the caller then commits.
    func appending<R>(in txn: borrowing WriteTransaction, _ body: (inout PendingAppends) throws -> R) throws -> R {
        var appends = try beginAppends(in: txn)
        let result = try body(&appends)
        try finishAppends(appends, in: txn)
        return result
    }

    private func beginAppends(in txn: borrowing WriteTransaction) throws -> PendingAppends {
        let head = try readHead(txn)
        try recentIds.sync(head: head.position, log: self, in: txn)
        return PendingAppends(observer: observer.withLock { $0.value }, position: head.position,
                              recordedAt: head.recordedAt,
                              previousHash: Hex.decode(Array(head.hash.utf8)) ?? HashChain.genesis,
                              startPosition: head.position)
    }

    /// Writes the new head and hands every stored event to the observer.
    private func finishAppends(_ appends: PendingAppends, in txn: borrowing WriteTransaction) throws {
        guard appends.position > appends.startPosition else { return }
        var value: [UInt8] = []
        value.reserveCapacity(48)
        withUnsafeBytes(of: UInt64(appends.position).bigEndian) { value.append(contentsOf: $0) }
        value.append(contentsOf: appends.previousHash)
        withUnsafeBytes(of: (appends.recordedAt?.microseconds ?? 0).bigEndian) { value.append(contentsOf: $0) }
        try txn.put(databases.meta, key: "head", value: value)
        try recentIds.finishTransaction(log: self, in: txn)
        try appends.observer?.apply(appends.recorded, in: txn)
    }

    /// Applies one atomic request inside `txn`, within `appending`.
    ///
    /// Every rule is checked first, against the transaction plus what earlier events of the same
    /// request would change, and only then is anything written. A refused request therefore leaves
    /// the transaction (and `appends`) untouched, and group commit needs no nested transaction per
    /// request (LMDB allocates megabytes for each one).
    func apply(_ events: [ProposedEvent], to appends: inout PendingAppends,
               in txn: borrowing WriteTransaction) throws -> [AppendedEvent] {
        let db = databases
        let startPosition = appends.position

        // Check.
        var plan: [PlannedEvent] = []
        plan.reserveCapacity(events.count)
        var answers: [PlannedAnswer] = []
        answers.reserveCapacity(events.count)
        // Keyed by UTF-8 bytes, as the tables are: String equality would treat canonically equivalent but
        // different identifiers ("caf\u{E9}", "cafe\u{301}") as one stream, case or id.
        var versions: [UTF8Key: Int] = [:]
        var cases: [UTF8Key: CaseState] = [:]
        var plannedIds: [UTF8Key: Int] = [:]
        for (index, event) in events.enumerated() {
            do {
                let idKey = event.idKey, streamKey = event.streamKey
                if let earlier = plannedIds[idKey] {
                    guard events[plan[earlier].index].sameContent(as: event) else {
                        throw LedgerError(code: .idConflict,
                                          message: "id \(event.id) appears earlier in this batch with different content",
                                          field: "id")
                    }
                    answers.append(.planned(earlier, alreadyStored: true))
                    continue
                }
                if let stored = try storedAnswer(for: event, in: txn) {
                    answers.append(.stored(stored))
                    continue
                }
                let current = try versions[streamKey] ?? streamVersion(event.stream, in: txn)
                if let expected = event.expectedVersion, expected != current {
                    throw LedgerError(code: .versionConflict,
                                      message: "stream \(event.stream) is at version \(current), not \(expected)",
                                      field: "expectedVersion")
                }
                var nextState: CaseState?
                if let caseId = event.caseId, let caseKey = event.caseKey {
                    let state = try cases[caseKey] ?? caseState(caseId, in: txn)
                    let next = try CaseLifecycle.next(after: event, from: state) { id in
                        try cases[UTF8Key(id)] != nil || self.caseState(id, in: txn) != nil
                    }
                    if next != state {
                        cases[caseKey] = next
                        nextState = next
                    }
                }
                versions[streamKey] = current + 1
                plannedIds[idKey] = plan.count
                answers.append(.planned(plan.count, alreadyStored: false))
                plan.append(PlannedEvent(index: index, position: startPosition + plan.count + 1,
                                         streamVersion: current + 1, caseState: nextState))
            } catch let error as LedgerError {
                throw AppendFailure(index: index, error: error)
            }
        }
        guard !plan.isEmpty else {
            return answers.map { if case .stored(let a) = $0 { return a } else { preconditionFailure("nothing planned") } }
        }

        // Write.
        let now = Timestamp.now()
        let recordedAt = appends.recordedAt.map { max($0, now) } ?? now
        let recordedAtMember = StoredEnvelopeWriter.recordedAtMember(recordedAt.rfc3339())
        var previousHash = appends.previousHash
        let observing = appends.observer != nil
        var hashes: [String] = []
        hashes.reserveCapacity(plan.count)
        if observing { appends.recorded.reserveCapacity(appends.recorded.count + plan.count) }
        // One cursor stays on the log's last leaf for the whole batch, where a put per event would walk down to it.
        try txn.appending(to: db.events) { log in
            for planned in plan {
                let event = events[planned.index]
                if let caseId = event.caseId, let state = planned.caseState {
                    try txn.put(db.cases, key: caseId, value: state.encoded)
                }
                let (record, hash, hex) = StoredEnvelopeWriter.record(for: event, position: planned.position,
                                                                 streamVersion: planned.streamVersion,
                                                                 recordedAtMember: recordedAtMember, previousHash: previousHash)
                try BigEndianKey(planned.position).withBytes { k in
                    try record.withUnsafeBytes { v in try log.append(rawKey: k, rawValue: v) }
                }
                try recentIds.add(event.idKey, at: planned.position, log: self, in: txn)
                try txn.put(db.streamEvents, key: LogDatabases.streamEventKey(event.stream, version: planned.streamVersion),
                            value: BigEndianKey(planned.position))
                if observing {
                    appends.recorded.append(RecordedEvent(event, position: planned.position, streamVersion: planned.streamVersion,
                                                          recordedAt: recordedAt))
                }
                previousHash = hash
                hashes.append(hex)
            }
        }
        appends.position = startPosition + plan.count
        appends.recordedAt = recordedAt
        appends.previousHash = previousHash

        return answers.map { answer in
            switch answer {
            case .stored(let a):
                return a
            case .planned(let i, let alreadyStored):
                let p = plan[i]
                let event = events[p.index]
                return AppendedEvent(id: event.id, position: p.position, stream: event.stream,
                                     streamVersion: p.streamVersion, hash: hashes[i], alreadyStored: alreadyStored)
            }
        }
    }

    /// The original answer when `event.id` is stored with the same content; `id_conflict` when
    /// the content differs; nil when the id is new.
    private func storedAnswer(for event: ProposedEvent, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> AppendedEvent? {
        let position: Int
        if let recent = recentIds.position(of: event.idKey) {
            position = recent
        } else {
            guard !recentIds.sortsAfterIndex(event.idKey) else { return nil }
            guard let positionBytes = try txn.get(databases.ids, key: event.id),
                  let indexed = positionBytes.withUnsafeBytes({ BigEndianKey.decode($0) }) else { return nil }
            position = Int(indexed)
        }
        guard let stored = try storedEvent(at: position, in: txn) else { return nil }
        guard case .object(var members) = try stored.envelope() else { return nil }
        let answer = AppendedEvent(id: event.id, position: position,
                                   stream: members["stream"]?.stringValue ?? "",
                                   streamVersion: members["streamVersion"]?.intValue ?? 0,
                                   hash: members["hash"]?.stringValue ?? "", alreadyStored: true)
        // Without its placement, a stored envelope is in the form of a posted event's stored parts. Both keep
        // `stream`, which follows from the posted members alone (a rule unchanged since the first stored event),
        // so it never tells apart two events of the same content.
        for member in StoredEvent.placementMembers { members.removeValue(forKey: member) }
        guard CanonicalJSON.encode(.object(members)) == event.canonicalContent else {
            throw LedgerError(code: .idConflict,
                              message: "id \(event.id) is already stored at position \(position) with different content",
                              field: "id")
        }
        return answer
    }

    // MARK: Reading

    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        try environment.read(body)
    }

    public func head() throws -> LogHead {
        try read { txn in try readHead(txn) }
    }

    func readHead(_ txn: borrowing some ReadableTransaction & ~Copyable) throws -> LogHead {
        guard let value = try txn.get(databases.meta, key: "head"), value.count == 48 else { return .empty }
        return value.withUnsafeBytes { raw in
            LogHead(position: Int(UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))),
                    hash: Hex.string(raw[8..<40]),
                    recordedAt: Timestamp(microseconds: Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 40, as: Int64.self))))
        }
    }

    public func streamVersion(_ stream: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> Int {
        // LMDB refuses empty and over-long keys (MDB_BAD_VALSIZE); no stored stream has such a name.
        guard Self.isStorableKey(stream) else { return 0 }
        let prefix = LogDatabases.streamPrefix(stream)
        var version = 0
        try txn.scan(databases.streamEvents, from: prefix + [UInt8](repeating: 0xFF, count: 8), reverse: true) { key, _ in
            if key.count == prefix.count + 8, key.starts(with: prefix) {
                version = Int(BigEndianKey.decode(UnsafeRawBufferPointer(rebasing: key[prefix.count...])) ?? 0)
            }
            return false
        }
        return version
    }

    public func caseState(_ caseId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> CaseState? {
        guard Self.isStorableKey(caseId) else { return nil }
        return try caseId.withBytes { key in
            try txn.withValue(databases.cases, key: key) { raw -> CaseState? in
                guard let raw else { return nil }
                guard let state = CaseState(encoded: raw) else {
                    throw LedgerError(code: .invalidEvent, message: "the stored state of case \(caseId) is damaged", field: "caseId")
                }
                return state
            }
        }
    }

    /// Whether LMDB can hold `key` as a key (1 to 511 bytes); names read from callers may be neither.
    static func isStorableKey(_ key: String) -> Bool {
        (1...511).contains(key.utf8.count)
    }

    public func storedEvent(at position: Int, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> StoredEvent? {
        try BigEndianKey(position).withBytes { key in
            try txn.withValue(databases.events, key: key) { raw in
                guard let raw, raw.count > 4 else { return nil }
                return StoredEvent(position: position, json: Array(StoredRecord(bytes: raw).json))
            }
        }
    }

    /// Stored events with position ≥ `from` (and ≤ `to`), oldest first, at most `limit` matching `filter`.
    public func events(from: Int = 1, to: Int? = nil, limit: Int = .max, filter: EventFilter = .init()) throws -> [StoredEvent] {
        try read { txn in try events(from: from, to: to, limit: limit, filter: filter, in: txn) }
    }

    public func events(from: Int, to: Int?, limit: Int, filter: EventFilter,
                       in txn: borrowing some ReadableTransaction & ~Copyable) throws -> [StoredEvent] {
        var out: [StoredEvent] = []
        guard limit > 0 else { return out }
        try forEachEvent(from: from, to: to, in: txn) { event in
            if try filter.isEmpty || filter.matches(event.envelope()) { out.append(event) }
            return out.count < limit
        }
        return out
    }

    /// Walks stored events from `from` in position order until `body` returns false.
    public func forEachEvent(from: Int, to: Int? = nil, in txn: borrowing some ReadableTransaction & ~Copyable,
                             _ body: (StoredEvent) throws -> Bool) throws {
        try forEachEnvelope(from: from, to: to, in: txn) { position, record in
            try body(StoredEvent(position: position, json: Array(record.json)))
        }
    }

    /// Like `forEachEvent`, but hands over each stored record's bytes where they lie, valid only during the
    /// call: for readers that decode every event and keep none of its bytes (a rebuild).
    func forEachEnvelope(from: Int, to: Int? = nil, in txn: borrowing some ReadableTransaction & ~Copyable,
                         _ body: (_ position: Int, _ record: StoredRecord) throws -> Bool) throws {
        try txn.scan(databases.events, from: BigEndianKey(max(from, 1))) { key, value in
            guard let position = BigEndianKey.decode(key), value.count > 4 else { return false }
            if let to, Int(position) > to { return false }
            return try body(Int(position), StoredRecord(bytes: value))
        }
    }

    /// The events of `stream` in version order, or nil for an unknown stream.
    public func stream(_ stream: String) throws -> [StoredEvent]? {
        try read { txn in
            let version = try streamVersion(stream, in: txn)
            guard version > 0 else { return nil }
            var out: [StoredEvent] = []
            out.reserveCapacity(version)
            let prefix = LogDatabases.streamPrefix(stream)
            var positions: [Int] = []
            try txn.scan(databases.streamEvents, from: prefix) { key, value in
                guard key.count == prefix.count + 8, key.starts(with: prefix),
                      let p = BigEndianKey.decode(value) else { return false }
                positions.append(Int(p))
                return true
            }
            for p in positions {
                if let e = try storedEvent(at: p, in: txn) { out.append(e) }
            }
            return out
        }
    }

    /// A consistent, compacted copy of the whole ledger into `directory`.
    public func backup(to directory: String) throws {
        try environment.copy(to: directory, compact: true)
    }
}

/// A weak reference to the log's observer.
private struct WeakObserver {
    weak var value: (any EventObserver)?
}
