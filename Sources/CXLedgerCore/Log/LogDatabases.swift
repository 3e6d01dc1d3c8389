import LMDB

/// The log's own databases inside the environment.
public struct LogDatabases: Sendable {
    /// position (big-endian) → `StoredRecord`
    public let events: Database
    /// event id → position
    public let ids: Database
    /// stream ‖ 0 ‖ version (big-endian) → position; a stream's last key gives its version, so there is no
    /// separate stream → version table to write (one B-tree page less per appended event).
    public let streamEvents: Database
    /// case id → `CaseState` as canonical JSON
    public let cases: Database
    /// "head" → position ‖ hash ‖ recordedAt
    public let meta: Database

    static let names = ["log.events", "log.ids", "log.stream_events", "log.cases", "log.meta"]

    init(_ dbs: [Database]) {
        events = dbs[0]
        ids = dbs[1]
        streamEvents = dbs[2]
        cases = dbs[3]
        meta = dbs[4]
    }

    /// `stream ‖ 0`: every key of the stream starts with it (stream names hold no NUL).
    static func streamPrefix(_ stream: String) -> [UInt8] { Array(stream.utf8) + [0] }

    static func streamEventKey(_ stream: String, version: Int) -> [UInt8] {
        var key = streamPrefix(stream)
        withUnsafeBytes(of: UInt64(version).bigEndian) { key.append(contentsOf: $0) }
        return key
    }
}
