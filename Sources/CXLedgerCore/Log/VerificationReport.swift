/// What `verify` found: the head when the chain holds, else the first bad position and why.
public struct VerificationReport: Sendable, Equatable {
    public var head: LogHead
    public var eventsChecked: Int
    public var firstBadPosition: Int?
    public var problem: String?

    public var isValid: Bool { problem == nil }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["ok": .bool(isValid), "position": .number(Double(head.position)),
                                      "hash": .string(head.hash), "eventsChecked": .number(Double(eventsChecked))]
        if let firstBadPosition { o["firstBadPosition"] = .number(Double(firstBadPosition)) }
        if let problem { o["problem"] = .string(problem) }
        return .object(o)
    }
}
