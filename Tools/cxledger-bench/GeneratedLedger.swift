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

    static func make(events: Int, name: String) throws -> GeneratedLedger {
        let dir = try benchDirectory(name)
        let log = try EventLog(directory: dir)
        let host = try ProjectionHost(log: log)
        let customers = max(500, events / 200)
        var generator = HistoryGenerator(seed: 7, parameters: .init(customers: customers, openCaseTarget: max(400, events / 250)))
        let start = monotonicSeconds()
        var remaining = events
        while remaining > 0 {
            let n = min(10_000, remaining)
            try log.append(try generator.nextBatch(n))
            remaining -= n
        }
        return GeneratedLedger(directory: dir, log: log, host: host, events: events, customers: customers,
                               cases: generator.casesOpened, appendSeconds: monotonicSeconds() - start)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
