/// How far a projection rebuild has come.
public struct RebuildProgress: Sendable, Equatable {
    public var name: String
    public var applied: Int
    public var total: Int
    public var seconds: Double
    public var finished: Bool

    public init(name: String, applied: Int, total: Int, seconds: Double, finished: Bool) {
        self.name = name
        self.applied = applied
        self.total = total
        self.seconds = seconds
        self.finished = finished
    }

    public var fraction: Double { total > 0 ? min(1, Double(applied) / Double(total)) : 1 }
    public var eventsPerSecond: Double { seconds > 0 ? Double(applied) / seconds : 0 }
    /// Seconds left at the current rate, or nil before there is a rate.
    public var etaSeconds: Double? {
        let rate = eventsPerSecond
        return rate > 0 ? Double(max(0, total - applied)) / rate : nil
    }

    public var json: JSONValue {
        .object(["applied": .number(Double(applied)), "total": .number(Double(total)),
                 "percent": .number((fraction * 1000).rounded() / 10),
                 "eventsPerSecond": .number(eventsPerSecond.rounded()),
                 "etaSeconds": etaSeconds.map { .number(($0 * 10).rounded() / 10) } ?? .null,
                 "finished": .bool(finished)])
    }
}
