import Foundation
import Testing
@testable import CXLedgerCore

/// A step in a field path such as `data.successCriteria[0].id`.
private enum PathStep {
    case key(String)
    case index(Int)
}

private func steps(_ path: String) -> [PathStep] {
    var result: [PathStep] = []
    for part in path.split(separator: ".") {
        if let open = part.firstIndex(of: "[") {
            result.append(.key(String(part[..<open])))
            let number = part[part.index(after: open)..<part.index(before: part.endIndex)]
            result.append(.index(Int(number)!))
        } else {
            result.append(.key(String(part)))
        }
    }
    return result
}

/// Sets (or with nil, removes) the value at `path`.
private func setting(_ value: JSONValue?, at path: String, in json: JSONValue) -> JSONValue {
    func go(_ json: JSONValue, _ rest: ArraySlice<PathStep>) -> JSONValue {
        guard let first = rest.first else { return value ?? .null }
        switch (first, json) {
        case (.key(let k), .object(var o)):
            if rest.count == 1 {
                o[k] = value
            } else {
                o[k] = go(o[k] ?? .null, rest.dropFirst())
            }
            return .object(o)
        case (.index(let i), .array(var a)):
            a[i] = go(a[i], rest.dropFirst())
            return .array(a)
        default:
            Issue.record("path \(path) does not fit \(json)")
            return json
        }
    }
    return go(json, steps(path)[...])
}

private func value(at path: String, in json: JSONValue) -> JSONValue? {
    var current: JSONValue? = json
    for step in steps(path) {
        switch step {
        case .key(let k): current = current?[k]
        case .index(let i): current = current?.arrayValue?[i]
        }
    }
    return current
}

private func expectError(_ envelope: JSONValue, field: String?, code: ErrorCode = .invalidEvent,
                         message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let accepted = try EventValidator.validate(envelope)
        Issue.record("accepted \(accepted.type.rawValue), expected an error at \(field ?? "top level")",
                     sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
        if let message {
            #expect(error.message == message, sourceLocation: sourceLocation)
        }
    }
}

private func accept(_ envelope: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) -> ProposedEvent? {
    do {
        return try EventValidator.validate(envelope)
    } catch {
        Issue.record("rejected: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A complete, valid envelope of each type, carrying every catalogue field.
private func example(_ type: EventType) -> JSONValue {
    var envelope: [String: JSONValue] = [
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "type": .string(type.rawValue),
        "occurredAt": "2026-03-02T09:00:00Z",
        "source": "crm",
        "metadata": ["correlationId": "c-1", "actor": "alice"],
    ]
    if type.requiresCustomerId { envelope["customerId"] = "cust-1" }
    if type.isCaseEvent { envelope["caseId"] = "case-1" }
    let data: JSONValue
    switch type {
    case .customerProfiled:
        data = ["name": "Acme Ltd", "segment": "vip", "organizationId": "org-9"]
    case .customerInfluenceObserved:
        data = ["channel": "social", "handle": "@acme", "followers": 120_000]
    case .interactionRecorded:
        data = ["channel": "email", "direction": "outbound", "public": false, "summary": "Sent apology",
                "agent": "bob", "templateId": "tmpl-apology", "sentiment": -0.4]
    case .caseOpened:
        data = ["category": "billing", "channel": "phone", "severity": 2, "summary": "Double charge", "product": "Pro"]
    case .caseRecategorized:
        data = ["category": "outage", "severity": 1, "reason": "Wider impact"]
    case .caseAssigned:
        data = ["owner": "carol", "team": "tier2"]
    case .caseEscalated:
        data = ["level": 1, "reason": "Customer threatened to go public", "kind": "hierarchical", "to": "VP Support"]
    case .caseDeescalated:
        data = ["level": 0, "justification": "Fix deployed"]
    case .caseSituationSummarized:
        data = ["summary": "Repeated billing errors", "contributingFactors": ["batch job", "no alerting"],
                "customerOwnedFactors": ["wrong card"], "rootCause": "Retry bug"]
    case .caseMeetingHeld:
        data = ["kind": "customer", "attendees": ["alice", "ceo"], "seniorManagement": true, "outcome": "Plan agreed"]
    case .casePlanAgreed:
        data = ["successCriteria": [["id": "c1", "text": "Refund issued"], ["id": "c2", "text": "No repeat for 30 days"]],
                "targetDate": "2026-04-10", "remedy": ["kind": "credit", "days": 30, "amount": 250.5]]
    case .caseCriterionMet:
        data = ["criterionId": "c1"]
    case .caseResolutionProposed:
        data = ["resolution": "Refunded and patched", "rootCause": "Retry bug"]
    case .caseCloseoutAccepted:
        data = ["by": "customer"]
    case .caseCloseoutDisputed:
        data = ["reason": "Still charged", "unmetCriteria": ["c2"]]
    case .caseReturnedToSOP:
        data = ["justification": "Plan complete"]
    case .caseClosed:
        data = ["reason": "resolved"]
    case .caseReopened:
        data = ["reason": "Happened again"]
    case .caseLinked:
        data = ["relatedCaseId": "case-0", "relation": "same_root_cause"]
    case .caseSatisfactionRated:
        data = ["score": 4, "comment": "Better now"]
    case .reviewHeld:
        data = ["periodStart": "2026-01-01", "periodEnd": "2026-03-31", "findings": ["slow first response"],
                "actions": ["hire"]]
    case .slaPolicySet:
        data = ["segment": "vip", "channel": "phone", "firstResponseMinutes": 30, "resolutionHours": 48]
    }
    envelope["data"] = data
    return .object(envelope)
}

/// The bold fields of the catalogue, as paths inside `data`.
private func requiredDataFields(_ type: EventType) -> [String] {
    switch type {
    case .customerProfiled: return ["segment"]
    case .customerInfluenceObserved: return ["channel", "followers"]
    case .interactionRecorded: return ["channel", "direction"]
    case .caseOpened: return ["category", "channel", "severity", "summary"]
    case .caseRecategorized: return ["reason"]
    case .caseAssigned: return ["owner"]
    case .caseEscalated: return ["level", "reason"]
    case .caseDeescalated: return ["level", "justification"]
    case .caseSituationSummarized: return ["summary"]
    case .caseMeetingHeld: return ["kind"]
    case .casePlanAgreed: return ["successCriteria", "successCriteria[0].id", "successCriteria[1].text"]
    case .caseCriterionMet: return ["criterionId"]
    case .caseResolutionProposed: return ["resolution"]
    case .caseCloseoutAccepted: return []
    case .caseCloseoutDisputed: return ["reason"]
    case .caseReturnedToSOP: return ["justification"]
    case .caseClosed: return ["reason"]
    case .caseReopened: return ["reason"]
    case .caseLinked: return ["relatedCaseId", "relation"]
    case .caseSatisfactionRated: return ["score"]
    case .reviewHeld: return ["periodStart", "periodEnd"]
    case .slaPolicySet: return ["segment", "firstResponseMinutes", "resolutionHours"]
    }
}

struct EventValidatorTests {
    struct FieldCase: Sendable, CustomTestStringConvertible {
        var type: EventType
        var path: String
        var testDescription: String { "\(type.rawValue) \(path)" }
    }

    struct BadValue: Sendable, CustomTestStringConvertible {
        var type: EventType
        var path: String
        var value: JSONValue
        var message: String? = nil
        var testDescription: String { "\(type.rawValue) \(path) = \(value)" }
    }

    static let requiredFields: [FieldCase] = EventType.allCases.flatMap { type -> [FieldCase] in
        var paths = ["type", "occurredAt", "data"]
        if type.requiresCustomerId { paths.append("customerId") }
        if type.requiresCaseId { paths.append("caseId") }
        paths += requiredDataFields(type).map { "data." + $0 }
        return paths.map { FieldCase(type: type, path: $0) }
    }

    @Test(arguments: EventType.allCases)
    func acceptsAValidExampleOfEveryType(_ type: EventType) throws {
        let envelope = example(type)
        let event = try EventValidator.validate(envelope)
        #expect(event.type == type)
        #expect(event.id == "0f8fad5b-d9cb-469f-a165-70867728950e")
        #expect(event.occurredAt == "2026-03-02T09:00:00Z")
        #expect(event.occurredAtTime == Timestamp(microseconds: 1_772_442_000_000_000))
        #expect(event.source == "crm")
        #expect(.object(event.data) == envelope["data"])
        #expect(event.metadata?["actor"] == "alice")
        #expect(try postedContent(event) == envelope)
    }

    @Test(arguments: EventType.allCases)
    func acceptsOnlyTheRequiredFieldsOfEveryType(_ type: EventType) throws {
        var minimal = example(type)
        for key in ["id", "source", "metadata"] { minimal = setting(nil, at: key, in: minimal) }
        let full = example(type)
        var data: [String: JSONValue] = [:]
        for path in requiredDataFields(type) where !path.contains("[") {
            data[path] = full["data"]?[path]
        }
        if type == .caseRecategorized { data["severity"] = 3 }
        minimal = setting(.object(data), at: "data", in: minimal)
        let event = try EventValidator.validate(minimal)
        #expect(event.source == nil && event.metadata == nil && event.expectedVersion == nil)
    }

    @Test(arguments: requiredFields)
    func missingRequiredFieldIsRejected(_ c: FieldCase) {
        expectError(setting(nil, at: c.path, in: example(c.type)), field: c.path, message: "is required")
    }

    @Test(arguments: requiredFields)
    func nullRequiredFieldIsRejected(_ c: FieldCase) {
        expectError(setting(.null, at: c.path, in: example(c.type)), field: c.path)
    }

    @Test(arguments: requiredFields)
    func wrongTypeForRequiredFieldIsRejected(_ c: FieldCase) throws {
        let original = try #require(value(at: c.path, in: example(c.type)))
        // A string where something else belongs, and a number where a string belongs.
        let wrong: JSONValue = original.stringValue == nil ? "7" : 7
        expectError(setting(wrong, at: c.path, in: example(c.type)), field: c.path)
        let otherWrong: JSONValue = original.objectValue == nil ? [:] : [1]
        expectError(setting(otherWrong, at: c.path, in: example(c.type)), field: c.path)
    }

    static let badValues: [BadValue] = [
        // enums
        BadValue(type: .customerProfiled, path: "data.segment", value: "gold",
                 message: "must be one of standard, priority, vip, strategic"),
        BadValue(type: .customerProfiled, path: "data.segment", value: "VIP"),
        BadValue(type: .customerInfluenceObserved, path: "data.channel", value: "fax"),
        BadValue(type: .interactionRecorded, path: "data.channel", value: "pigeon",
                 message: "must be one of phone, email, chat, web, social, video, blog, letter, in_person"),
        BadValue(type: .interactionRecorded, path: "data.direction", value: "sideways",
                 message: "must be one of inbound, outbound"),
        BadValue(type: .caseOpened, path: "data.channel", value: "telex"),
        BadValue(type: .caseEscalated, path: "data.kind", value: "lateral",
                 message: "must be one of functional, hierarchical"),
        BadValue(type: .caseMeetingHeld, path: "data.kind", value: "party"),
        BadValue(type: .caseClosed, path: "data.reason", value: "fixed",
                 message: "must be one of resolved, duplicate, withdrawn"),
        BadValue(type: .caseLinked, path: "data.relation", value: "maybe"),
        BadValue(type: .slaPolicySet, path: "data.segment", value: "gold"),
        BadValue(type: .slaPolicySet, path: "data.channel", value: "fax"),
        // integers, not just numbers
        BadValue(type: .customerInfluenceObserved, path: "data.followers", value: 10.5, message: "must be an integer"),
        BadValue(type: .customerInfluenceObserved, path: "data.followers", value: -1),
        BadValue(type: .caseOpened, path: "data.severity", value: 2.5, message: "must be an integer"),
        BadValue(type: .caseOpened, path: "data.severity", value: 0, message: "must be an integer from 1 to 4"),
        BadValue(type: .caseOpened, path: "data.severity", value: 5),
        BadValue(type: .caseRecategorized, path: "data.severity", value: 5),
        BadValue(type: .caseRecategorized, path: "data.severity", value: "1"),
        BadValue(type: .caseEscalated, path: "data.level", value: 1.5, message: "must be an integer"),
        BadValue(type: .caseEscalated, path: "data.level", value: 0, message: "must be an integer of at least 1"),
        BadValue(type: .caseDeescalated, path: "data.level", value: -1),
        BadValue(type: .caseDeescalated, path: "data.level", value: 0.5),
        BadValue(type: .caseSatisfactionRated, path: "data.score", value: 0),
        BadValue(type: .caseSatisfactionRated, path: "data.score", value: 6),
        BadValue(type: .caseSatisfactionRated, path: "data.score", value: 4.5),
        BadValue(type: .slaPolicySet, path: "data.firstResponseMinutes", value: 0),
        BadValue(type: .slaPolicySet, path: "data.firstResponseMinutes", value: 30.5),
        BadValue(type: .slaPolicySet, path: "data.resolutionHours", value: -4),
        BadValue(type: .casePlanAgreed, path: "data.remedy.days", value: -1),
        BadValue(type: .casePlanAgreed, path: "data.remedy.days", value: 1.5),
        BadValue(type: .casePlanAgreed, path: "data.remedy.amount", value: -0.01),
        BadValue(type: .casePlanAgreed, path: "data.remedy.amount", value: "10"),
        BadValue(type: .casePlanAgreed, path: "data.remedy.kind", value: 3),
        BadValue(type: .casePlanAgreed, path: "data.remedy", value: "credit"),
        // other number and boolean rules
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: 1.01, message: "must be a number from -1 to 1"),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: -1.5),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: "positive"),
        BadValue(type: .interactionRecorded, path: "data.public", value: "yes", message: "must be a boolean"),
        BadValue(type: .caseMeetingHeld, path: "data.seniorManagement", value: 1),
        // optional strings and arrays of strings
        BadValue(type: .customerProfiled, path: "data.name", value: 5, message: "must be a string"),
        BadValue(type: .caseOpened, path: "data.product", value: true),
        BadValue(type: .caseSituationSummarized, path: "data.contributingFactors", value: "batch job"),
        BadValue(type: .caseSituationSummarized, path: "data.customerOwnedFactors[0]", value: 1, message: "must be a string"),
        BadValue(type: .caseMeetingHeld, path: "data.attendees[1]", value: ["name": "x"]),
        BadValue(type: .caseCloseoutDisputed, path: "data.unmetCriteria[0]", value: 2),
        BadValue(type: .reviewHeld, path: "data.findings", value: ["a": "b"]),
        BadValue(type: .reviewHeld, path: "data.actions[0]", value: .null),
        // dates versus date-times
        BadValue(type: .casePlanAgreed, path: "data.targetDate", value: "2026-04-10T00:00:00Z",
                 message: "must be a full date (YYYY-MM-DD)"),
        BadValue(type: .casePlanAgreed, path: "data.targetDate", value: "2026-02-30"),
        BadValue(type: .reviewHeld, path: "data.periodStart", value: "2026-01-01T00:00:00Z"),
        BadValue(type: .reviewHeld, path: "data.periodEnd", value: "2026-3-31"),
        BadValue(type: .reviewHeld, path: "data.periodEnd", value: "2025-12-31", message: "must not be before periodStart"),
        BadValue(type: .caseOpened, path: "occurredAt", value: "2026-03-02", message: "must be an RFC 3339 date-time"),
        BadValue(type: .caseOpened, path: "occurredAt", value: "2026-03-02T25:00:00Z"),
        BadValue(type: .caseOpened, path: "occurredAt", value: "yesterday"),
        // identifiers
        BadValue(type: .caseOpened, path: "customerId", value: "", message: "must be 1 to 128 bytes of UTF-8"),
        BadValue(type: .caseOpened, path: "customerId", value: .string(String(repeating: "a", count: 129)),
                 message: "must be 1 to 128 bytes of UTF-8"),
        BadValue(type: .caseOpened, path: "customerId", value: .string(String(repeating: "é", count: 64) + "a")),
        BadValue(type: .caseOpened, path: "customerId", value: "cust\u{0}1", message: "must not contain control characters"),
        BadValue(type: .caseOpened, path: "caseId", value: "case\n1", message: "must not contain control characters"),
        BadValue(type: .caseOpened, path: "caseId", value: "case\u{7F}"),
        BadValue(type: .caseOpened, path: "caseId", value: "case\u{85}"),
        BadValue(type: .caseOpened, path: "caseId", value: ""),
        BadValue(type: .caseAssigned, path: "data.owner", value: ""),
        BadValue(type: .caseAssigned, path: "data.owner", value: "bob\t"),
        BadValue(type: .caseLinked, path: "data.relatedCaseId", value: .string(String(repeating: "x", count: 129))),
        BadValue(type: .caseCriterionMet, path: "data.criterionId", value: ""),
        BadValue(type: .interactionRecorded, path: "data.templateId", value: "t\u{9F}"),
        BadValue(type: .interactionRecorded, path: "data.templateId", value: 9, message: "must be a string"),
        BadValue(type: .casePlanAgreed, path: "data.successCriteria[1].id", value: ""),
        BadValue(type: .casePlanAgreed, path: "data.successCriteria[1].id", value: "c1",
                 message: "must be unique among successCriteria"),
        BadValue(type: .casePlanAgreed, path: "data.successCriteria", value: [], message: "must not be empty"),
        BadValue(type: .casePlanAgreed, path: "data.successCriteria[0]", value: "Refund issued", message: "must be an object"),
        BadValue(type: .caseOpened, path: "source", value: 3, message: "must be a string"),
        BadValue(type: .caseOpened, path: "source", value: ""),
        // other envelope fields
        BadValue(type: .caseOpened, path: "metadata", value: "x", message: "must be an object"),
        BadValue(type: .caseOpened, path: "metadata", value: []),
        BadValue(type: .caseOpened, path: "expectedVersion", value: -1),
        BadValue(type: .caseOpened, path: "expectedVersion", value: 1.5, message: "must be an integer"),
        BadValue(type: .caseOpened, path: "expectedVersion", value: "0"),
        BadValue(type: .caseOpened, path: "data", value: [], message: "must be an object"),
        BadValue(type: .caseOpened, path: "type", value: true, message: "must be a string"),
    ]

    @Test(arguments: badValues)
    func badValueIsRejectedAtItsPath(_ c: BadValue) {
        expectError(setting(c.value, at: c.path, in: example(c.type)), field: c.path, message: c.message)
    }

    static let goodValues: [BadValue] = [
        BadValue(type: .caseOpened, path: "customerId", value: .string(String(repeating: "a", count: 128))),
        BadValue(type: .caseOpened, path: "customerId", value: .string(String(repeating: "é", count: 64))),
        BadValue(type: .caseOpened, path: "customerId", value: "客户-🙂"),
        BadValue(type: .caseOpened, path: "customerId", value: "a"),
        BadValue(type: .caseOpened, path: "data.severity", value: 1),
        BadValue(type: .caseOpened, path: "data.severity", value: 4.0),
        BadValue(type: .caseDeescalated, path: "data.level", value: 0),
        BadValue(type: .caseEscalated, path: "data.level", value: 7),
        BadValue(type: .customerInfluenceObserved, path: "data.followers", value: 0),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: -1),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: 1),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: 0),
        BadValue(type: .interactionRecorded, path: "data.channel", value: "in_person"),
        BadValue(type: .reviewHeld, path: "data.periodEnd", value: "2026-01-01"),
        BadValue(type: .casePlanAgreed, path: "data.targetDate", value: "2028-02-29"),
        BadValue(type: .casePlanAgreed, path: "data.remedy", value: [:]),
        BadValue(type: .casePlanAgreed, path: "data.remedy.amount", value: 0),
        BadValue(type: .caseOpened, path: "occurredAt", value: "2026-03-02T09:00:00.123456+01:00"),
        BadValue(type: .caseOpened, path: "expectedVersion", value: 0),
        BadValue(type: .caseOpened, path: "expectedVersion", value: 12),
        // An explicit null for an optional field means absent.
        BadValue(type: .interactionRecorded, path: "data.summary", value: .null),
        BadValue(type: .interactionRecorded, path: "data.sentiment", value: .null),
        BadValue(type: .caseEscalated, path: "data.kind", value: .null),
        BadValue(type: .slaPolicySet, path: "data.channel", value: .null),
        BadValue(type: .caseOpened, path: "source", value: .null),
        BadValue(type: .caseOpened, path: "metadata", value: .null),
        BadValue(type: .caseOpened, path: "expectedVersion", value: .null),
        BadValue(type: .caseOpened, path: "id", value: .null),
        BadValue(type: .customerProfiled, path: "caseId", value: .null),
        // Unknown data fields are kept as given.
        BadValue(type: .caseOpened, path: "data.extra", value: ["nested": [1, 2, "x"]]),
        BadValue(type: .caseCloseoutAccepted, path: "data", value: [:]),
    ]

    @Test(arguments: goodValues)
    func goodValueIsAccepted(_ c: BadValue) throws {
        let envelope = setting(c.value, at: c.path, in: example(c.type))
        let event = try #require(accept(envelope))
        if c.path.hasPrefix("data.") && !c.value.isNull {
            #expect(value(at: c.path, in: .object(["data": .object(event.data)])) == c.value)
        }
    }

    @Test func recategorizationNeedsCategoryOrSeverity() {
        var e = setting(nil, at: "data.category", in: example(.caseRecategorized))
        #expect(accept(e) != nil)
        e = setting(nil, at: "data.severity", in: e)
        expectError(e, field: "data", message: "must include category or severity")
        e = setting("billing", at: "data.category", in: e)
        #expect(accept(e) != nil)
    }

    // MARK: ids

    @Test(arguments: ["not-a-uuid", "0f8fad5bd9cb469fa16570867728950e", "0f8fad5b-d9cb-469f-a165-70867728950",
                      "0f8fad5b-d9cb-469f-a165-70867728950e0", "0f8fad5g-d9cb-469f-a165-70867728950e",
                      "{0f8fad5b-d9cb-469f-a165-70867728950e}", "0f8fad5b_d9cb_469f_a165_70867728950e", ""])
    func badUUIDIsRejected(_ id: String) {
        expectError(setting(.string(id), at: "id", in: example(.caseOpened)), field: "id", message: "must be a UUID")
    }

    @Test func nonStringIdIsRejected() {
        expectError(setting(42, at: "id", in: example(.caseOpened)), field: "id")
    }

    @Test func idIsLowerCasedEverywhere() throws {
        let envelope = setting("0F8FAD5B-D9CB-469F-A165-70867728950E", at: "id", in: example(.caseOpened))
        let event = try EventValidator.validate(envelope)
        #expect(event.id == "0f8fad5b-d9cb-469f-a165-70867728950e")
        #expect(try postedContent(event)["id"] == "0f8fad5b-d9cb-469f-a165-70867728950e")
    }

    @Test func missingIdIsGeneratedAsTimeOrderedV7() throws {
        let envelope = setting(nil, at: "id", in: example(.caseOpened))
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let a = try EventValidator.validate(envelope)
        let b = try EventValidator.validate(envelope)
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(a.id != b.id)
        // Made one after the other, they sort in that order, as the id index takes them cheapest.
        #expect(a.id < b.id)
        #expect(EventID.normalize(a.id) == a.id)
        let bytes = Array(a.id.utf8)
        #expect(bytes[14] == UInt8(ascii: "7"))
        #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
        // The first 48 bits are the Unix time in milliseconds.
        let hex = a.id.replacingOccurrences(of: "-", with: "")
        let milliseconds = try #require(UInt64(hex.prefix(12), radix: 16))
        #expect(milliseconds >= before && milliseconds <= after + 1)
        #expect(try postedContent(a)["id"] == .string(a.id))
    }

    @Test func timeOrderedIdsKeepTheirOrderPastTheCounterAndABackwardClock() {
        // A clock of its own: the process's clock is shared with tests that run beside this one.
        var clock = EventID.TimeOrderedClock()
        var generator = SystemRandomNumberGenerator()
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        var ids: [String] = []
        // More than the 12-bit counter holds in one millisecond, then a clock a second behind.
        for t in Array(repeating: now, count: 5000) + Array(repeating: now - 1000, count: 100) {
            let (milliseconds, counter) = clock.next(now: t, fresh: generator.next())
            ids.append(EventID.timeOrdered(milliseconds: milliseconds, counter: counter, random: generator.next()))
        }
        #expect(clock.milliseconds > now && clock.milliseconds <= now + 2, "borrowed \(clock.milliseconds - now) ms")
        for id in ids {
            #expect(EventID.normalize(id) == id)
            let b = Array(id.utf8)
            #expect(b[14] == UInt8(ascii: "7") && "89ab".utf8.contains(b[19]))
        }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        // The parts sit where RFC 9562 puts them.
        #expect(EventID.timeOrdered(milliseconds: 0x0123_4567_89AB, counter: 0xCDE, random: 0xFFFF_FFFF_FFFF_FFFF)
                == "01234567-89ab-7cde-bfff-ffffffffffff")
    }

    @Test func randomUUIDsHaveVersionAndVariantBits() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = EventID.random()
            #expect(EventID.normalize(id) == id)
            let b = Array(id.utf8)
            #expect(b[14] == UInt8(ascii: "4"))
            #expect("89ab".utf8.contains(b[19]))
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }

    // MARK: envelope fields

    @Test(arguments: ["position", "stream", "streamVersion", "recordedAt", "hash", "foo", "Type", "data "])
    func unknownEnvelopeFieldIsRejected(_ name: String) {
        expectError(setting(1, at: name, in: example(.caseOpened)), field: name, message: "unknown envelope field")
    }

    @Test func unknownFieldReportIsDeterministic() {
        var e = example(.caseOpened)
        for name in ["zeta", "hash", "position", "alpha", "mid"] { e = setting(1, at: name, in: e) }
        expectError(e, field: "alpha")
    }

    @Test(arguments: ["case.unknown", "customer.profiled ", "Case.Opened", "", "case"])
    func unknownTypeIsRejected(_ name: String) {
        expectError(setting(.string(name), at: "type", in: example(.caseOpened)), field: "type", code: .unknownType)
    }

    @Test(arguments: [JSONValue.string("x"), 1, [], true, .null])
    func nonObjectEnvelopeIsRejected(_ envelope: JSONValue) {
        expectError(envelope, field: nil)
    }

    // MARK: customerId and caseId rules

    @Test(arguments: EventType.allCases.filter { !$0.allowsCaseId })
    func caseIdIsRejectedWhereNotAllowed(_ type: EventType) {
        expectError(setting("case-1", at: "caseId", in: example(type)), field: "caseId")
    }

    @Test func caseIdIsOptionalOnInteractions() throws {
        let without = try EventValidator.validate(example(.interactionRecorded))
        #expect(without.caseId == nil)
        let with = try EventValidator.validate(setting("case-7", at: "caseId", in: example(.interactionRecorded)))
        #expect(with.caseId == "case-7")
        expectError(setting(7, at: "caseId", in: example(.interactionRecorded)), field: "caseId")
        expectError(setting("", at: "caseId", in: example(.interactionRecorded)), field: "caseId")
    }

    @Test(arguments: [EventType.reviewHeld, .slaPolicySet])
    func customerIdIsOptionalOnReviewAndSLA(_ type: EventType) throws {
        #expect(try EventValidator.validate(example(type)).customerId == nil)
        let with = try EventValidator.validate(setting("cust-1", at: "customerId", in: example(type)))
        #expect(with.customerId == "cust-1")
        expectError(setting("", at: "customerId", in: example(type)), field: "customerId")
    }

    // MARK: streams

    struct StreamCase: Sendable, CustomTestStringConvertible {
        var type: EventType
        var caseId: String?
        var stream: String
        var testDescription: String { "\(type.rawValue) → \(stream)" }
    }

    static let streams: [StreamCase] = EventType.allCases.map { type in
        if type.isCaseEvent { return StreamCase(type: type, stream: "case-case-1") }
        if type.isReviewEvent { return StreamCase(type: type, stream: "review") }
        if type.isSLAEvent { return StreamCase(type: type, stream: "sla") }
        return StreamCase(type: type, stream: "customer-cust-1")
    } + [StreamCase(type: .interactionRecorded, caseId: "C9", stream: "case-C9")]

    @Test(arguments: streams)
    func streamIsDerivedFromTypeAndIds(_ c: StreamCase) throws {
        var e = example(c.type)
        if let caseId = c.caseId { e = setting(.string(caseId), at: "caseId", in: e) }
        #expect(try EventValidator.validate(e).stream == c.stream)
    }

    // MARK: content

    @Test func contentOmitsExpectedVersionAndNulls() throws {
        var e = setting(3, at: "expectedVersion", in: example(.caseOpened))
        e = setting(.null, at: "source", in: e)
        let event = try EventValidator.validate(e)
        #expect(event.expectedVersion == 3)
        #expect(event.source == nil)
        var expected = setting(nil, at: "source", in: example(.caseOpened))
        expected = setting(nil, at: "expectedVersion", in: expected)
        #expect(try postedContent(event) == expected)
    }

    @Test func contentKeepsNullsInsideData() throws {
        let e = setting(.null, at: "data.summary", in: example(.interactionRecorded))
        let event = try EventValidator.validate(e)
        #expect(event.data["summary"] == .null)
        #expect(try postedContent(event)["data"]?["summary"] == JSONValue.null)
    }

    // MARK: errors

    @Test func errorDescriptionsAndStatuses() {
        let e = LedgerError(code: .lifecycleViolation, message: "must be greater than the current level 2", field: "data.level")
        #expect(e.description == "data.level: must be greater than the current level 2")
        #expect(LedgerError(code: .tooLarge, message: "body too large").description == "body too large")
        let statuses: [ErrorCode: Int] = [
            .invalidJSON: 400, .invalidEvent: 400, .unknownType: 400, .invalidQuery: 400, .readOnly: 403,
            .notFound: 404, .versionConflict: 409, .idConflict: 409, .lifecycleViolation: 409, .tooLarge: 413,
            .unsupportedMediaType: 415, .unavailable: 503,
        ]
        for code in ErrorCode.allCases { #expect(code.httpStatus == statuses[code]) }
        #expect(ErrorCode.unsupportedMediaType.rawValue == "unsupported_media_type")
    }

    @Test func eventTypeCatalogue() {
        #expect(EventType.allCases.count == 22)
        #expect(EventType(rawValue: "case.returned_to_sop") == .caseReturnedToSOP)
        #expect(EventType.allCases.filter(\.isCaseEvent).count == 17)
        #expect(EventType.allCases.allSatisfy { $0.isCaseEvent == $0.rawValue.hasPrefix("case.") })
        #expect(EventType.allCases.allSatisfy { $0.requiresCustomerId == !($0.rawValue.hasPrefix("review.") || $0.rawValue.hasPrefix("sla.")) })
    }
}

/// What the ledger compares as the event's content: its stored parts, without the stream that follows from them.
private func postedContent(_ event: ProposedEvent) throws -> JSONValue {
    guard case .object(var members) = try JSONParser.parse(event.canonicalContent) else { return .null }
    #expect(members.removeValue(forKey: "stream") == .string(event.stream))
    return .object(members)
}
