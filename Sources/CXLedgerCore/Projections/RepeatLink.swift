/// One link a case holds to an earlier case: suggested by the 30-day rule, or decided by `case.linked`.
public struct RepeatLink: Sendable, Equatable {
    /// Where a link stands.
    public enum Status: UInt8, Sendable {
        case suggested = 0, confirmed = 1, rejected = 2

        public var name: String {
            switch self {
            case .suggested: return "suggested"
            case .confirmed: return "confirmed"
            case .rejected: return "rejected"
            }
        }
    }

    /// Why the rule suggested a link: the shared category, and whether the earlier case was still open.
    public struct Basis: Sendable, Equatable {
        public var category: String
        /// nil: the earlier case was not closed when this one opened.
        public var relatedClosedAt: Timestamp?
    }

    public var relatedCaseId: String
    public var status: Status
    public var relation: String?
    /// nil for a link a person made that the rule did not suggest.
    public var basis: Basis?

    /// Suggested or confirmed: what makes the holder a repeat incident.
    public var isActive: Bool { status != .rejected }

    public var json: JSONValue {
        .object([
            "relatedCaseId": .string(relatedCaseId),
            "status": .string(status.name),
            "relation": relation.map { .string($0) } ?? .null,
            "basis": basis.map { b in
                .object([
                    "rule": "same_category_within_30_days",
                    "category": .string(b.category),
                    "relatedState": b.relatedClosedAt == nil ? "open" : "closed",
                    "relatedClosedAt": b.relatedClosedAt.map { .string($0.rfc3339()) } ?? .null,
                ])
            } ?? .null,
        ])
    }

    func write(to w: inout ByteWriter) {
        w.string(relatedCaseId)
        w.byte(status.rawValue)
        w.optionalString(relation)
        w.bool(basis != nil)
        if let basis {
            w.string(basis.category)
            w.optionalTime(basis.relatedClosedAt)
        }
    }

    static func read(from r: inout ByteReader) -> RepeatLink {
        let related = r.string()
        let status = Status(rawValue: r.byte()) ?? .suggested
        let relation = r.optionalString()
        let basis = r.bool() ? Basis(category: r.string(), relatedClosedAt: r.optionalTime()) : nil
        return RepeatLink(relatedCaseId: related, status: status, relation: relation, basis: basis)
    }
}
