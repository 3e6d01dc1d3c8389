/// Checks a posted envelope against the envelope rules and the event catalogue, without looking at stored state.
public enum EventValidator {
    static let segments = ["standard", "priority", "vip", "strategic"]
    static let channels = ["phone", "email", "chat", "web", "social", "video", "blog", "letter", "in_person"]
    static let directions = ["inbound", "outbound"]
    static let escalationKinds = ["functional", "hierarchical"]
    static let meetingKinds = ["rehearsal", "customer", "management"]
    static let closeReasons = ["resolved", "duplicate", "withdrawn"]
    static let relations = ["same_incident", "separate_similar", "same_root_cause", "not_related"]

    /// Validates one posted envelope; stateful rules (lifecycle, levels, versions) are checked later by the ledger.
    public static func validate(_ envelope: JSONValue) throws(LedgerError) -> ProposedEvent {
        guard case .object(let members) = envelope else {
            throw LedgerError.invalidEvent(nil, "an event must be a JSON object")
        }
        return try validate(EnvelopeMembers(members))
    }

    /// Validates a posted event from its document, as read by `JSONParser.parseTopLevelMembers`.
    public static func validate(_ document: JSONParser.TopLevel) throws(LedgerError) -> ProposedEvent {
        switch document {
        case .members(let members): return try validate(EnvelopeMembers(members))
        case .other(let value): return try validate(value)
        }
    }

    static func validate(_ members: EnvelopeMembers) throws(LedgerError) -> ProposedEvent {
        if let unknown = members.unknown { throw LedgerError.invalidEvent(unknown, "unknown envelope field") }
        let idValue = members.id
        let typeValue = members.type
        let customerValue = members.customerId
        let caseValue = members.caseId
        let occurredValue = members.occurredAt
        let sourceValue = members.source
        let dataValue = members.data
        let metadataValue = members.metadata
        let versionValue = members.expectedVersion

        // type
        guard let typeValue, !typeValue.isNull else { throw LedgerError.invalidEvent("type", "is required") }
        guard case .string(let typeName) = typeValue else { throw LedgerError.invalidEvent("type", "must be a string") }
        guard let type = EventType(rawValue: typeName) else {
            throw LedgerError(code: .unknownType, message: "unknown event type \"\(typeName)\"", field: "type")
        }

        // id
        let id: String
        switch idValue {
        case nil, .null?:
            id = EventID.timeOrdered()
        case .string(let s)?:
            guard let normalized = EventID.normalize(s) else {
                throw LedgerError.invalidEvent("id", "must be a UUID")
            }
            id = normalized
        default:
            throw LedgerError.invalidEvent("id", "must be a UUID string")
        }

        // customerId: review.* and sla.* may still name a customer, they just need not.
        let customerId = try identifier(customerValue, field: "customerId", required: type.requiresCustomerId)

        // caseId
        let caseId: String?
        if type.allowsCaseId {
            caseId = try identifier(caseValue, field: "caseId", required: type.requiresCaseId)
        } else {
            if let caseValue, !caseValue.isNull {
                throw LedgerError.invalidEvent("caseId", "is not allowed on \(type.rawValue)")
            }
            caseId = nil
        }

        // occurredAt
        guard let occurredValue, !occurredValue.isNull else { throw LedgerError.invalidEvent("occurredAt", "is required") }
        guard case .string(let occurredAt) = occurredValue,
              let occurredAtTime = Timestamp.parseDateTime(occurredAt) else {
            throw LedgerError.invalidEvent("occurredAt", "must be an RFC 3339 date-time")
        }

        // source
        var source: String?
        if let sourceValue, !sourceValue.isNull {
            guard case .string(let s) = sourceValue else { throw LedgerError.invalidEvent("source", "must be a string") }
            try Identifier.validate(s, field: "source")
            source = s
        }

        // metadata
        var metadata: [String: JSONValue]?
        if let metadataValue, !metadataValue.isNull {
            guard case .object(let o) = metadataValue else { throw LedgerError.invalidEvent("metadata", "must be an object") }
            metadata = o
        }

        // expectedVersion
        var expectedVersion: Int?
        if let versionValue, !versionValue.isNull {
            guard let v = versionValue.intValue else { throw LedgerError.invalidEvent("expectedVersion", "must be an integer") }
            guard v >= 0 else { throw LedgerError.invalidEvent("expectedVersion", "must be an integer of at least 0") }
            expectedVersion = v
        }

        // data
        guard let dataValue, !dataValue.isNull else { throw LedgerError.invalidEvent("data", "is required") }
        guard case .object(let data) = dataValue else { throw LedgerError.invalidEvent("data", "must be an object") }
        try validateData(type, DataReader(data, path: "data"))

        let stream: String
        if let caseId, type.allowsCaseId {
            stream = "case-" + caseId
        } else if type.isReviewEvent {
            stream = "review"
        } else if type.isSLAEvent {
            stream = "sla"
        } else {
            // requiresCustomerId holds for every remaining type, so customerId was checked present.
            stream = "customer-" + customerId!
        }

        return ProposedEvent(id: id, type: type, customerId: customerId, caseId: caseId,
                             occurredAt: occurredAt, occurredAtTime: occurredAtTime, source: source,
                             data: data, metadata: metadata, expectedVersion: expectedVersion,
                             stream: stream)
    }

    private static func identifier(_ value: JSONValue?, field: String, required: Bool) throws(LedgerError) -> String? {
        guard let value, !value.isNull else {
            if required { throw LedgerError.invalidEvent(field, "is required") }
            return nil
        }
        guard case .string(let s) = value else { throw LedgerError.invalidEvent(field, "must be a string") }
        try Identifier.validate(s, field: field)
        return s
    }

    /// The catalogue's `data` rules per type; unknown members are left alone.
    static func validateData(_ type: EventType, _ d: DataReader) throws(LedgerError) {
        switch type {
        case .customerProfiled:
            try d.optionalString("name")
            try d.requiredEnum("segment", segments)
            try d.optionalString("organizationId")
        case .customerInfluenceObserved:
            try d.requiredEnum("channel", channels)
            try d.optionalString("handle")
            try d.requiredInt("followers", min: 0)
        case .interactionRecorded:
            try d.requiredEnum("channel", channels)
            try d.requiredEnum("direction", directions)
            try d.optionalBool("public")
            try d.optionalString("summary")
            try d.optionalString("agent")
            try d.optionalIdentifier("templateId")
            try d.optionalNumber("sentiment", min: -1, max: 1)
        case .caseOpened:
            try d.requiredString("category")
            try d.requiredEnum("channel", channels)
            try d.requiredInt("severity", min: 1, max: 4)
            try d.requiredString("summary")
            try d.optionalString("product")
        case .caseRecategorized:
            let category = try d.optionalString("category")
            let severity = try d.optionalInt("severity", min: 1, max: 4)
            try d.requiredString("reason")
            if category == nil && severity == nil {
                throw LedgerError.invalidEvent("data", "must include category or severity")
            }
        case .caseAssigned:
            try d.requiredIdentifier("owner")
            try d.optionalString("team")
        case .caseEscalated:
            try d.requiredInt("level", min: 1)
            try d.requiredString("reason")
            try d.optionalEnum("kind", escalationKinds)
            try d.optionalString("to")
        case .caseDeescalated:
            try d.requiredInt("level", min: 0)
            try d.requiredString("justification")
        case .caseSituationSummarized:
            try d.requiredString("summary")
            try d.optionalStringArray("contributingFactors")
            try d.optionalStringArray("customerOwnedFactors")
            try d.optionalString("rootCause")
        case .caseMeetingHeld:
            try d.requiredEnum("kind", meetingKinds)
            try d.optionalStringArray("attendees")
            try d.optionalBool("seniorManagement")
            try d.optionalString("outcome")
        case .casePlanAgreed:
            try validatePlan(d)
        case .caseCriterionMet:
            try d.requiredIdentifier("criterionId")
        case .caseResolutionProposed:
            try d.requiredString("resolution")
            try d.optionalString("rootCause")
        case .caseCloseoutAccepted:
            try d.optionalString("by")
        case .caseCloseoutDisputed:
            try d.requiredString("reason")
            try d.optionalStringArray("unmetCriteria")
        case .caseReturnedToSOP:
            try d.requiredString("justification")
        case .caseClosed:
            try d.requiredEnum("reason", closeReasons)
        case .caseReopened:
            try d.requiredString("reason")
        case .caseLinked:
            try d.requiredIdentifier("relatedCaseId")
            try d.requiredEnum("relation", relations)
        case .caseSatisfactionRated:
            try d.requiredInt("score", min: 1, max: 5)
            try d.optionalString("comment")
        case .reviewHeld:
            let start = try d.requiredFullDate("periodStart")
            let end = try d.requiredFullDate("periodEnd")
            guard end >= start else { throw d.fail("periodEnd", "must not be before periodStart") }
            try d.optionalStringArray("findings")
            try d.optionalStringArray("actions")
        case .slaPolicySet:
            try d.requiredEnum("segment", segments)
            try d.optionalEnum("channel", channels)
            try d.requiredInt("firstResponseMinutes", min: 1)
            try d.requiredInt("resolutionHours", min: 1)
        }
    }

    private static func validatePlan(_ d: DataReader) throws(LedgerError) {
        guard case .array(let criteria) = try d.required("successCriteria") else {
            throw d.fail("successCriteria", "must be an array of {id, text} objects")
        }
        guard !criteria.isEmpty else { throw d.fail("successCriteria", "must not be empty") }
        var seen = Set<String>()
        seen.reserveCapacity(criteria.count)
        for (i, item) in criteria.enumerated() {
            guard case .object(let o) = item else {
                throw d.fail("successCriteria[\(i)]", "must be an object")
            }
            let criterion = DataReader(o, path: "data.successCriteria[\(i)]")
            let id = try criterion.requiredIdentifier("id")
            try criterion.requiredString("text")
            guard seen.insert(id).inserted else { throw criterion.fail("id", "must be unique among successCriteria") }
        }
        try d.optionalFullDate("targetDate")
        if let remedy = try d.optionalObject("remedy") {
            try remedy.optionalString("kind")
            try remedy.optionalInt("days", min: 0)
            try remedy.optionalNumber("amount", min: 0)
        }
    }
}
