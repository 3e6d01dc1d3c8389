/// One event as stored: its position and its canonical envelope (with `hash`), byte for byte.
public struct StoredEvent: Sendable, Equatable {
    public let position: Int
    /// Canonical JSON of the stored envelope, as `replay` prints it.
    public let json: [UInt8]

    public var text: String { String(decoding: json, as: UTF8.self) }

    /// The members the ledger adds to a posted envelope when it stores it.
    public static let ledgerMembers = ["stream"] + placementMembers
    /// The ones of those that depend on where the event lands in the log; `stream` follows from the envelope.
    static let placementMembers = ["position", "streamVersion", "recordedAt", "hash"]

    public func envelope() throws -> JSONValue {
        do { return try JSONParser.parse(json) } catch {
            throw LedgerError(code: .invalidJSON, message: "stored event \(position) is not JSON: \(error)")
        }
    }

    /// The event in typed form, read member by member from the stored canonical envelope (no dictionary for the
    /// envelope itself, and the hash is skipped).
    public func recorded() throws -> RecordedEvent {
        try json.withUnsafeBytes { try RecordedEvent(storedAt: position, envelope: $0) }
    }
}
