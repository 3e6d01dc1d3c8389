/// The pure fold of a case's stream into a `CaseRecord`: one code path for the live open-cases projection
/// and for time travel, so both give the same state for the same events.
public enum CaseFold {
    /// The record a `case.opened` starts. Segment and policy are decided by the caller (the projection looks
    /// them up as of the opening; time travel reuses the stored ones, which never change afterwards).
    public static func opened(_ event: RecordedEvent, segment: String?, policy: SLAPolicy?) -> CaseRecord {
        let d = event.data
        return CaseRecord(caseId: event.caseId ?? "", customerId: event.customerId ?? "", segment: segment,
                          category: d["category"]?.stringValue ?? "", severity: d["severity"]?.intValue ?? 0,
                          openedAt: event.occurredAt, openedPosition: event.position,
                          openingChannel: d["channel"]?.stringValue ?? "", policy: policy)
    }

    /// Folds one later event of the case's stream (a `case.*` other than the opening, or an interaction on it).
    public static func apply(_ event: RecordedEvent, to r: inout CaseRecord) {
        let d = event.data
        r.lastActivityAt = max(r.lastActivityAt, event.occurredAt)
        switch event.type {
        case .interactionRecorded:
            guard d["direction"]?.stringValue == "outbound" else { return }
            r.firstResponseAt = r.firstResponseAt.map { min($0, event.occurredAt) } ?? event.occurredAt
            if let template = d["templateId"]?.stringValue {
                if let i = r.templates.firstIndex(where: { $0.templateId == template }) {
                    r.templates[i].count += 1
                } else {
                    r.templates.append(.init(templateId: template, count: 1))
                }
            }
        case .caseRecategorized:
            if let c = d["category"]?.stringValue { r.category = c }
            if let s = d["severity"]?.intValue { r.severity = s }
        case .caseAssigned:
            r.owner = d["owner"]?.stringValue
        case .caseEscalated, .caseDeescalated:
            r.escalationLevel = d["level"]?.intValue ?? r.escalationLevel
        case .casePlanAgreed:
            r.criteria = (d["successCriteria"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                .map { .init(id: $0, met: false) }
        case .caseCriterionMet:
            if let id = d["criterionId"]?.stringValue, let i = r.criteria.firstIndex(where: { $0.id == id }) {
                r.criteria[i].met = true
            }
        case .caseResolutionProposed:
            r.status = .resolutionProposed
        case .caseCloseoutAccepted:
            close(&r, at: event.occurredAt, reason: "resolved")
        case .caseReturnedToSOP:
            close(&r, at: event.occurredAt, reason: "returned_to_sop")
        case .caseClosed:
            close(&r, at: event.occurredAt, reason: d["reason"]?.stringValue ?? "resolved")
        case .caseCloseoutDisputed, .caseReopened:
            r.status = .open
            r.reopenCount += 1
            r.closedAt = nil
            r.closeReason = nil
        case .caseLinked:
            guard let related = d["relatedCaseId"]?.stringValue else { return }
            r.confirmedLinks.removeAll { $0 == related }
            if d["relation"]?.stringValue != "not_related" { r.confirmedLinks.append(related) }
        case .caseOpened, .caseSituationSummarized, .caseMeetingHeld, .caseSatisfactionRated,
             .customerProfiled, .customerInfluenceObserved, .reviewHeld, .slaPolicySet:
            return
        }
    }

    private static func close(_ r: inout CaseRecord, at time: Timestamp, reason: String) {
        r.status = .closed
        r.closedAt = time
        r.closeReason = reason
    }
}
