/// The ledger's answer for one appended (or already stored) event.
public struct AppendedEvent: Sendable, Equatable {
    public var id: String
    public var position: Int
    public var stream: String
    public var streamVersion: Int
    public var hash: String
    /// True when the same content was already stored under this id: nothing was written.
    public var alreadyStored: Bool

    public var json: JSONValue {
        .object(["id": .string(id), "position": .number(Double(position)), "stream": .string(stream),
                 "streamVersion": .number(Double(streamVersion)), "hash": .string(hash)])
    }
}
