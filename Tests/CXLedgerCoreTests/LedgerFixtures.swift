import Crypto
import Foundation
import LMDB
import Testing
@testable import CXLedgerCore

// Shared helpers for the log, tamper and lifecycle tests: temporary ledgers on real LMDB files
// and builders of valid events. Everything is prefixed `fixture` to stay clear of other test files.

/// A fresh temporary directory, removed when the value is released.
final class FixtureDirectory: Sendable {
    let path: String

    init(_ label: String = "ledger") {
        path = NSTemporaryDirectory() + "cxledger-test-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A sub-directory path (not created).
    func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A deterministic UUID for test event number `n` (lower case).
func fixtureID(_ n: Int, salt: Int = 0) -> String {
    let hex = String(n, radix: 16)
    let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    let s = String(salt, radix: 16)
    let saltPadded = String(repeating: "0", count: max(0, 8 - s.count)) + s
    return "\(saltPadded)-0000-4000-8000-\(padded)"
}

/// Valid `data` for every event type, so a test can name just the type.
func fixtureData(for type: String, caseId: String = "case-1") -> JSONValue {
    switch type {
    case "customer.profiled": return ["name": "Ada Lovelace", "segment": "vip"]
    case "customer.influence_observed": return ["channel": "social", "handle": "@ada", "followers": 1200]
    case "interaction.recorded":
        return ["channel": "email", "direction": "inbound", "public": false, "summary": "wrote about the delay"]
    case "case.opened":
        return ["category": "billing", "channel": "phone", "severity": 2, "summary": "double charge"]
    case "case.recategorized": return ["severity": 1, "reason": "worse than thought"]
    case "case.assigned": return ["owner": "agent-7", "team": "billing"]
    case "case.escalated": return ["level": 3, "reason": "customer threatened to go public", "kind": "hierarchical"]
    case "case.deescalated": return ["level": 1, "justification": "plan agreed"]
    case "case.situation_summarized": return ["summary": "two charges on one order", "rootCause": "retry bug"]
    case "case.meeting_held": return ["kind": "customer", "attendees": ["ada", "vp"], "seniorManagement": true]
    case "case.plan_agreed":
        return ["successCriteria": [["id": "c1", "text": "refund"], ["id": "c2", "text": "apology"]],
                "targetDate": "2026-05-01"]
    case "case.criterion_met": return ["criterionId": "c1"]
    case "case.resolution_proposed": return ["resolution": "refund issued", "rootCause": "retry bug"]
    case "case.closeout_accepted": return ["by": "ada"]
    case "case.closeout_disputed": return ["reason": "apology missing", "unmetCriteria": ["c2"]]
    case "case.returned_to_sop": return ["justification": "customer satisfied"]
    case "case.closed": return ["reason": "resolved"]
    case "case.reopened": return ["reason": "charged again"]
    case "case.linked": return ["relatedCaseId": "other-case", "relation": "same_incident"]
    case "case.satisfaction_rated": return ["score": 4, "comment": "fine in the end"]
    case "review.held": return ["periodStart": "2026-04-01", "periodEnd": "2026-04-30", "findings": ["slow"]]
    case "sla.policy_set": return ["segment": "vip", "firstResponseMinutes": 30, "resolutionHours": 24]
    default: return [:]
    }
}

/// A posted envelope as JSON.
func fixtureEnvelope(_ type: String, id: String? = nil, customer: String? = "cust-1", caseId: String? = nil,
                     data: JSONValue? = nil, occurredAt: String = "2026-04-10T09:00:00Z",
                     expectedVersion: Int? = nil, source: String? = nil, metadata: JSONValue? = nil) -> JSONValue {
    var o: [String: JSONValue] = ["type": .string(type), "occurredAt": .string(occurredAt),
                                  "data": data ?? fixtureData(for: type)]
    if let id { o["id"] = .string(id) }
    if let customer { o["customerId"] = .string(customer) }
    if let caseId { o["caseId"] = .string(caseId) }
    if let expectedVersion { o["expectedVersion"] = .number(Double(expectedVersion)) }
    if let source { o["source"] = .string(source) }
    if let metadata { o["metadata"] = metadata }
    return .object(o)
}

/// A validated event, ready to append.
func fixtureEvent(_ type: String, id: String? = nil, customer: String? = "cust-1", caseId: String? = nil,
                  data: JSONValue? = nil, occurredAt: String = "2026-04-10T09:00:00Z",
                  expectedVersion: Int? = nil, source: String? = nil, metadata: JSONValue? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> ProposedEvent {
    let envelope = fixtureEnvelope(type, id: id, customer: customer, caseId: caseId, data: data,
                                   occurredAt: occurredAt, expectedVersion: expectedVersion, source: source,
                                   metadata: metadata)
    do {
        return try EventValidator.validate(envelope)
    } catch {
        Issue.record("fixture event \(type) does not validate: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// A case event on `caseId`, with the type's default data unless given.
func fixtureCaseEvent(_ type: String, _ caseId: String, data: JSONValue? = nil, customer: String = "cust-1",
                      id: String? = nil) throws -> ProposedEvent {
    try fixtureEvent(type, id: id, customer: customer, caseId: caseId, data: data)
}

/// A realistic interaction of about 300 bytes stored, unique by `n`.
func fixtureInteraction(_ n: Int, customer: String? = nil, salt: Int = 0) throws -> ProposedEvent {
    try fixtureEvent("interaction.recorded", id: fixtureID(n, salt: salt), customer: customer ?? "cust-\(n % 97)",
                     data: ["channel": "chat", "direction": n % 2 == 0 ? "inbound" : "outbound", "public": false,
                            "summary": .string("summary-unique-\(salt)-\(n): asked about the refund"),
                            "agent": .string("agent-\(n % 13)"), "sentiment": -0.25],
                     source: "chat-gateway", metadata: ["correlationId": .string("corr-\(n)")])
}

/// Everything observable about the log that a refused append must leave alone.
struct FixtureLogSnapshot: Equatable {
    var head: LogHead
    var eventCount: Int
    var idCount: Int
    var streamEventCount: Int
    var caseRecords: [String: [UInt8]]
}

func fixtureSnapshot(_ log: EventLog) throws -> FixtureLogSnapshot {
    try log.read { txn in
        var cases: [String: [UInt8]] = [:]
        try txn.scan(log.databases.cases) { k, v in
            cases[String(decoding: k, as: UTF8.self)] = Array(v)
            return true
        }
        return FixtureLogSnapshot(head: try log.readHead(txn), eventCount: try txn.count(log.databases.events),
                                  idCount: try txn.count(log.databases.ids),
                                  streamEventCount: try txn.count(log.databases.streamEvents), caseRecords: cases)
    }
}

/// The case's state as the log keeps it.
func fixtureCaseState(_ log: EventLog, _ caseId: String) throws -> CaseState? {
    try log.read { txn in try log.caseState(caseId, in: txn) }
}

/// Expects `body` to throw an `AppendFailure` and returns it.
@discardableResult
func fixtureExpectFailure(_ sourceLocation: SourceLocation = #_sourceLocation,
                          _ body: () throws -> Void) -> AppendFailure? {
    do {
        try body()
        Issue.record("expected the append to be refused", sourceLocation: sourceLocation)
        return nil
    } catch let failure as AppendFailure {
        return failure
    } catch {
        Issue.record("expected an AppendFailure, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: Independent hashing (SPEC guarantee 6, without the ledger's own hash code)

func fixtureHex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Checks every stored envelope from position 1 the way an auditor would: parse, drop `hash`,
/// canonicalise, SHA-256 of previous hash ‖ bytes. Returns the recomputed hashes.
@discardableResult
func fixtureRecheckChain(_ events: [StoredEvent], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
    var previous = [UInt8](repeating: 0, count: 32)
    var hashes: [String] = []
    for (i, event) in events.enumerated() {
        #expect(event.position == i + 1, sourceLocation: sourceLocation)
        let parsed = try JSONParser.parse(event.json)
        // The stored bytes are themselves canonical.
        #expect(CanonicalJSON.encode(parsed) == event.json, "stored event \(event.position) is not canonical",
                sourceLocation: sourceLocation)
        guard case .object(var members) = parsed, case .string(let stored)? = members.removeValue(forKey: "hash") else {
            Issue.record("event \(event.position) has no hash", sourceLocation: sourceLocation)
            return hashes
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: CanonicalJSON.encode(.object(members)))
        let digest = Array(hasher.finalize())
        #expect(fixtureHex(digest) == stored, "hash of event \(event.position)", sourceLocation: sourceLocation)
        #expect(members["position"]?.intValue == event.position, sourceLocation: sourceLocation)
        hashes.append(fixtureHex(digest))
        previous = digest
    }
    return hashes
}

/// A value shared between a test's threads, guarded by an `NSLock`. The concurrency tests run under
/// ThreadSanitizer, which cannot see `Synchronization.Mutex` lock on Linux (see `.ci/tsan-suppressions.txt`)
/// and reported two threads' `withLock` closures as racing; it sees an `NSLock` (a pthread mutex).
final class FixtureLocked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched inside `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
