/// SPEC's case lifecycle table: which events a case accepts in which state, and what follows.
public enum CaseLifecycle {
    /// The case's state after `event`, or a `lifecycle_violation` naming its current state.
    /// `state` is nil for a case the ledger does not know.
    public static func next(after event: ProposedEvent, from state: CaseState?,
                            caseExists: (String) throws -> Bool) throws -> CaseState {
        guard let caseId = event.caseId else { preconditionFailure("lifecycle applies to events with a case") }
        guard var s = state else {
            if event.type == .caseOpened {
                return CaseState(status: .open, level: 0, reopenCount: 0, customerId: event.customerId ?? "", criteria: [])
            }
            throw violation("case \(caseId) is unknown; \(event.type.rawValue) needs an opened case", field: "caseId")
        }
        func notAllowed() -> LedgerError {
            violation("\(event.type.rawValue) is not allowed: case \(caseId) is \(s.status.rawValue)", field: "type")
        }
        let active = s.status == .open || s.status == .resolutionProposed
        switch event.type {
        case .caseOpened:
            throw violation("case \(caseId) is already opened (it is \(s.status.rawValue))", field: "caseId")
        case .interactionRecorded, .caseLinked, .caseSatisfactionRated:
            if event.type == .caseLinked, let related = event.data["relatedCaseId"]?.stringValue {
                if related == caseId {
                    throw violation("a case cannot be linked to itself (case \(caseId) is \(s.status.rawValue))",
                                    field: "data.relatedCaseId")
                }
                if try !caseExists(related) {
                    throw violation("case \(related) is unknown (case \(caseId) is \(s.status.rawValue))",
                                    field: "data.relatedCaseId")
                }
            }
        case .caseResolutionProposed:
            guard active else { throw notAllowed() }
            s.status = .resolutionProposed
        case .caseCloseoutAccepted:
            guard s.status == .resolutionProposed else { throw notAllowed() }
            s.status = .closed
        case .caseCloseoutDisputed:
            guard s.status == .resolutionProposed else { throw notAllowed() }
            s.status = .open
            s.reopenCount += 1
        case .caseReturnedToSOP, .caseClosed:
            guard active else { throw notAllowed() }
            s.status = .closed
        case .caseReopened:
            guard s.status == .closed else { throw notAllowed() }
            s.status = .open
            s.reopenCount += 1
        case .caseEscalated:
            guard active else { throw notAllowed() }
            let level = event.data["level"]?.intValue ?? 0
            guard level > s.level else {
                throw violation("must be greater than the current level \(s.level) (case \(caseId) is \(s.status.rawValue))",
                                field: "data.level")
            }
            s.level = level
        case .caseDeescalated:
            guard active else { throw notAllowed() }
            let level = event.data["level"]?.intValue ?? 0
            guard level < s.level else {
                throw violation("must be less than the current level \(s.level) (case \(caseId) is \(s.status.rawValue))",
                                field: "data.level")
            }
            s.level = level
        case .casePlanAgreed:
            guard active else { throw notAllowed() }
            s.criteria = (event.data["successCriteria"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.map { ($0, false) }
        case .caseCriterionMet:
            guard active else { throw notAllowed() }
            let id = event.data["criterionId"]?.stringValue ?? ""
            guard let i = s.criteria.firstIndex(where: { $0.id == id }) else {
                throw violation("names no criterion of the current plan (case \(caseId) is \(s.status.rawValue))",
                                field: "data.criterionId")
            }
            s.criteria[i].met = true
        case .caseAssigned, .caseRecategorized, .caseSituationSummarized, .caseMeetingHeld:
            guard active else { throw notAllowed() }
        case .customerProfiled, .customerInfluenceObserved, .reviewHeld, .slaPolicySet:
            preconditionFailure("not a case event")
        }
        return s
    }

    private static func violation(_ message: String, field: String?) -> LedgerError {
        LedgerError(code: .lifecycleViolation, message: message, field: field)
    }
}
