import Foundation
import LMDB
import Testing
@testable import CXLedgerCore

// Helpers for the projection tests: a ledger with live projections in a temporary directory, and terse
// builders for events. Everything is prefixed `projectionFixture` to stay clear of other test files.

/// A temporary ledger with a `ProjectionHost`, removed when released.
final class ProjectionFixtureLedger {
    let path: String
    let log: EventLog
    let host: ProjectionHost
    private var counter = 0
    private let salt: Int

    init(salt: Int = Int.random(in: 0..<0xFFFF), withHost: Bool = true, mapSize: Int = 256 << 20) throws {
        path = NSTemporaryDirectory() + "cxledger-projection-test-\(UUID().uuidString)"
        log = try EventLog(directory: path, options: .init(mapSize: mapSize))
        host = try ProjectionHost(log: log)
        if !withHost { log.setObserver(nil) }
        self.salt = salt
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func nextId() -> String {
        counter += 1
        let hex = String(counter, radix: 16)
        let s = String(salt, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s + "-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// Appends one event and returns its position.
    @discardableResult
    func append(_ type: String, customer: String? = nil, caseId: String? = nil, at time: String,
                _ data: JSONValue = [:]) throws -> Int {
        var e: [String: JSONValue] = ["id": .string(nextId()), "type": .string(type), "occurredAt": .string(time), "data": data]
        if let customer { e["customerId"] = .string(customer) }
        if let caseId { e["caseId"] = .string(caseId) }
        return try log.append([EventValidator.validate(.object(e))])[0].position
    }

    func openCases() throws -> OpenCasesProjection { try host.projection(OpenCasesProjection.self) }

    func caseView(_ id: String, now: String) throws -> JSONValue? {
        let p = try openCases()
        return try log.read { txn in try p.caseView(id, now: projectionFixtureTime(now), in: txn) }
    }

    func list(_ filter: OpenCasesFilter, now: String) throws -> (cases: [JSONValue], nextCursor: String?) {
        let p = try openCases()
        return try log.read { txn in try p.list(filter: filter, now: projectionFixtureTime(now), in: txn) }
    }

    func history(_ customer: String, limit: Int = 50, before: Int? = nil) throws -> JSONValue? {
        let p = try host.projection(CustomerHistoryProjection.self)
        return try log.read { txn in try p.history(customer, limit: limit, before: before, from: log, in: txn) }
    }

    func related(_ caseId: String) throws -> JSONValue? {
        let p = try host.projection(RepeatIncidentsProjection.self)
        return try log.read { txn in try p.related(caseId, in: txn) }
    }

    func atRisk(limit: Int = 50) throws -> JSONValue {
        let p = try host.projection(AtRiskProjection.self)
        return try log.read { txn in try p.top(limit: limit, in: txn) }
    }

    func asOf(_ caseId: String, _ moment: CaseTimeTravel.Moment, now: String) throws -> JSONValue? {
        let openCases = try openCases()
        return try log.read { txn in
            try CaseTimeTravel.state(caseId, asOf: moment, now: projectionFixtureTime(now), log: log, openCases: openCases, in: txn)
        }
    }

    /// Every key and value of every table of every projection, by "projection/table".
    func projectionTableContents() throws -> [String: [[UInt8]]] {
        try projectionFixtureTableContents(host, log)
    }
}

func projectionFixtureTime(_ s: String) -> Timestamp {
    guard let t = Timestamp.parseDateTime(s) else { fatalError("bad test time \(s)") }
    return t
}

/// The fields every case object must carry.
let projectionFixtureCaseFields: Set<String> = [
    "caseId", "customerId", "segment", "category", "severity", "status", "escalationLevel", "owner", "openedAt",
    "lastActivityAt", "closedAt", "closeReason", "firstResponseAt", "firstResponseDueAt", "resolutionDueAt",
    "firstResponseBreached", "resolutionBreached", "reopenCount", "unmetCriteria", "repeatOf", "templateRepeats",
]

/// A case.opened's data.
func projectionFixtureOpening(_ category: String = "billing", channel: String = "phone", severity: Int = 2) -> JSONValue {
    ["category": .string(category), "channel": .string(channel), "severity": .number(Double(severity)), "summary": "it broke"]
}

func projectionFixturePolicy(_ segment: String, _ channel: String?, minutes: Int, hours: Int) -> JSONValue {
    var d: [String: JSONValue] = ["segment": .string(segment), "firstResponseMinutes": .number(Double(minutes)),
                                  "resolutionHours": .number(Double(hours))]
    if let channel { d["channel"] = .string(channel) }
    return .object(d)
}

/// Every row of every live projection table of `host`, by "projection/table".
func projectionFixtureTableContents(_ host: ProjectionHost, _ log: EventLog) throws -> [String: [[UInt8]]] {
    var out: [String: [[UInt8]]] = [:]
    for type in host.types {
        let status = try #require(try host.status(of: type.name))
        let tables = try host.readTables(for: type, generation: status.generation)
        for table in type.tableNames {
            var rows: [[UInt8]] = []
            try log.read { txn in
                try txn.scan(tables[table]) { k, v in
                    rows.append(Array(k) + [0xFF, 0xFE] + Array(v))
                    return true
                }
            }
            out[type.name + "/" + table] = rows
        }
    }
    return out
}
