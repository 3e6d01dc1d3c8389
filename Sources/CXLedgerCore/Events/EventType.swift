/// Every event type of the catalogue, with the envelope rules that depend on it.
public enum EventType: String, CaseIterable, Sendable {
    case customerProfiled = "customer.profiled"
    case customerInfluenceObserved = "customer.influence_observed"
    case interactionRecorded = "interaction.recorded"
    case caseOpened = "case.opened"
    case caseRecategorized = "case.recategorized"
    case caseAssigned = "case.assigned"
    case caseEscalated = "case.escalated"
    case caseDeescalated = "case.deescalated"
    case caseSituationSummarized = "case.situation_summarized"
    case caseMeetingHeld = "case.meeting_held"
    case casePlanAgreed = "case.plan_agreed"
    case caseCriterionMet = "case.criterion_met"
    case caseResolutionProposed = "case.resolution_proposed"
    case caseCloseoutAccepted = "case.closeout_accepted"
    case caseCloseoutDisputed = "case.closeout_disputed"
    case caseReturnedToSOP = "case.returned_to_sop"
    case caseClosed = "case.closed"
    case caseReopened = "case.reopened"
    case caseLinked = "case.linked"
    case caseSatisfactionRated = "case.satisfaction_rated"
    case reviewHeld = "review.held"
    case slaPolicySet = "sla.policy_set"

    /// The type whose name is exactly these UTF-8 bytes, without making a String of them first.
    init?(utf8 name: UnsafeRawBufferPointer) {
        guard let found = Self.names.first(where: { $0.name.count == name.count && $0.name.elementsEqual(name) }) else { return nil }
        self = found.type
    }

    private static let names: [(name: [UInt8], type: EventType)] = allCases.map { (Array($0.rawValue.utf8), $0) }

    /// `case.*`: lives on its case's stream and is subject to the case lifecycle.
    public var isCaseEvent: Bool {
        switch self {
        case .customerProfiled, .customerInfluenceObserved, .interactionRecorded, .reviewHeld, .slaPolicySet:
            return false
        default:
            return true
        }
    }

    public var isCustomerEvent: Bool {
        self == .customerProfiled || self == .customerInfluenceObserved
    }

    public var isReviewEvent: Bool { self == .reviewHeld }

    public var isSLAEvent: Bool { self == .slaPolicySet }

    /// Only `review.*` and `sla.*` are about no particular customer.
    public var requiresCustomerId: Bool { !(isReviewEvent || isSLAEvent) }

    public var requiresCaseId: Bool { isCaseEvent }

    /// Case events need a case id; an interaction may belong to a case; nothing else may name one.
    public var allowsCaseId: Bool { isCaseEvent || self == .interactionRecorded }
}
