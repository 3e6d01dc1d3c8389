/// A response-time promise (`sla.policy_set`) as it applies to one case.
public struct SLAPolicy: Sendable, Equatable {
    public var firstResponseMinutes: Int
    public var resolutionHours: Int

    public init(firstResponseMinutes: Int, resolutionHours: Int) {
        self.firstResponseMinutes = firstResponseMinutes
        self.resolutionHours = resolutionHours
    }

    /// From an `sla.policy_set` event's data (validated: both are positive integers).
    init?(data: EventData) {
        guard let m = data["firstResponseMinutes"]?.intValue, let h = data["resolutionHours"]?.intValue else { return nil }
        self.init(firstResponseMinutes: m, resolutionHours: h)
    }
}
