/// The newest event's position and hash; position 0 and 64 zeros on an empty ledger.
public struct LogHead: Sendable, Equatable {
    public var position: Int
    public var hash: String
    public var recordedAt: Timestamp?

    public static let empty = LogHead(position: 0, hash: String(repeating: "0", count: 64), recordedAt: nil)

    public var json: JSONValue { .object(["position": .number(Double(position)), "hash": .string(hash)]) }
}
