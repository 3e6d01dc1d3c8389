import LMDB

/// The log's own databases inside the environment.
public struct LogDatabases: Sendable {
    /// position (big-endian) → `StoredRecord`
    public let events: Database
    /// event id → position
    public let ids: Database
    /// stream → its version
    public let streams: Database
    /// stream ‖ 0 ‖ version (big-endian) → position
    public let streamEvents: Database
    /// case id → `CaseState` as canonical JSON
    public let cases: Database
    /// "head" → position ‖ hash ‖ recordedAt
    public let meta: Database

    static let names = ["log.events", "log.ids", "log.streams", "log.stream_events", "log.cases", "log.meta"]

    init(_ dbs: [Database]) {
        events = dbs[0]
        ids = dbs[1]
        streams = dbs[2]
        streamEvents = dbs[3]
        cases = dbs[4]
        meta = dbs[5]
    }

    static func streamEventKey(_ stream: String, version: Int) -> [UInt8] {
        var key = Array(stream.utf8)
        key.append(0)
        withUnsafeBytes(of: UInt64(version).bigEndian) { key.append(contentsOf: $0) }
        return key
    }
}
