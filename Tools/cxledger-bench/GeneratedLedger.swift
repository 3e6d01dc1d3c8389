import CXLedgerCore
import Foundation

/// A ledger filled with a seeded generated history (HistoryGenerator), shared by the rebuild and
/// query scenarios.
struct GeneratedLedger {
    let directory: String
    let log: EventLog
    let host: ProjectionHost
    let events: Int
    let customers: Int
    let cases: Int
    let appendSeconds: Double
    /// Whether the ledger lives in a directory the user named, and stays.
    let kept: Bool
    /// A directory the user named is held like any writing command holds it, so a benchmark cannot rebuild
    /// under a running server or another writer.
    let lock: DataDirectoryLock?

    /// Generates `events` into a fresh temporary directory, or into `keep` (kept afterwards). A `keep` that
    /// already holds a ledger is reused as it is, so repeated runs skip the generation.
    static func make(events: Int, name: String, keep: String? = nil) throws -> GeneratedLedger {
        let dir = try keep ?? benchDirectory(name)
        let lock = try keep.map { try DataDirectoryLock.acquire(directory: $0) }
        let existing = FileManager.default.fileExists(atPath: dir + "/data.mdb")
        let log = try EventLog(directory: dir)
        let host = try ProjectionHost(log: log)
        let customers = max(500, events / 200)
        if existing {
            let stored = try log.head().position
            return GeneratedLedger(directory: dir, log: log, host: host, events: stored, customers: customers,
                                   cases: 0, appendSeconds: .nan, kept: true, lock: lock)
        }
        var generator = HistoryGenerator(seed: 7, parameters: .init(customers: customers, openCaseTarget: max(400, events / 250)))
        let start = monotonicSeconds()
        var remaining = events
        while remaining > 0 {
            let n = min(10_000, remaining)
            try log.append(try generator.nextBatch(n))
            remaining -= n
        }
        return GeneratedLedger(directory: dir, log: log, host: host, events: events, customers: customers,
                               cases: generator.casesOpened, appendSeconds: monotonicSeconds() - start, kept: keep != nil,
                               lock: lock)
    }

    /// Deletes the ledger unless it was asked to be kept.
    func remove() {
        guard !kept else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
