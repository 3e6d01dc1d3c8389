import LMDB

/// SPEC's repeat-incidents projection: links suggested by the 30-day same-category rule, held by the later
/// case, confirmed or rejected by `case.linked`; see `RepeatLinker` for the rule and its tables, and
/// `RepeatHoldLog` for `holds`, which customer-history and at-risk read.
public struct RepeatIncidentsProjection: Projection {
    public static let name = "repeat-incidents"
    // 3: candidate keys length-prefix the category, so the rule matches it exactly.
    // 4: `holds`, the changes of "holds a link" by position, for the projections that count them.
    public static let version = 4
    public static let tableNames = ["cases", "keys", "holds"]

    let linker: RepeatLinker
    let holds: RepeatHoldLog

    public init(tables: ProjectionTables) {
        linker = RepeatLinker(cases: tables["cases"], keys: tables["keys"])
        holds = RepeatHoldLog(tables["holds"])
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let change = try linker.apply(event, in: txn) {
            try holds.record(change, at: event.position, in: txn)
        }
    }

    /// `GET /v1/cases/{caseId}/related`, or nil for an unknown case.
    public func related(_ caseId: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> JSONValue? {
        guard let e = try linker.entry(caseId, in: txn) else { return nil }
        return .object([
            "caseId": .string(caseId),
            "links": .array(e.links.map(\.json)),
            "laterRepeats": .array(try linker.laterRepeats(of: caseId, in: txn).map { .string($0) }),
        ])
    }
}

extension RepeatIncidentsProjection: BulkFoldable {
    func makeBulkFold(_ shared: BulkFoldShared) -> any BulkFold { RepeatIncidentsBulkFold(self, shared) }
}
