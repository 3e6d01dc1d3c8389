import CXLedgerCore
import Foundation
import Logging
import Synchronization

/// Runs projection rebuilds requested over the socket, one at a time per projection, each on its own
/// thread: a rebuild is long, synchronous LMDB work that must not occupy the few cooperative threads.
final class RebuildTracker: Sendable {
    private struct State {
        var running: Set<String> = []
        /// The last failure per projection, shown by `GET /v1/projections` until the next rebuild.
        var failures: [String: String] = [:]
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func isRunning(_ name: String) -> Bool { state.withLock { $0.running.contains(name) } }
    func failure(_ name: String) -> String? { state.withLock { $0.failures[name] } }

    /// Returns once no rebuild is running.
    func waitUntilIdle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s -> Bool in
                if s.running.isEmpty { return true }
                s.idleWaiters.append(c)
                return false
            }
            if idle { c.resume() }
        }
    }

    private func finished(_ names: [String], failure: String?) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            for name in names {
                s.running.remove(name)
                s.failures[name] = failure
            }
            guard s.running.isEmpty else { return [] }
            defer { s.idleWaiters = [] }
            return s.idleWaiters
        }
        for w in waiters { w.resume() }
    }

    /// Starts rebuilding `type`, and the projections rebuilt with it (those depending on it), unless one of them
    /// is already rebuilding; returns whether it started.
    func start(_ type: any Projection.Type, host: ProjectionHost, logger: Logger) -> Bool {
        let name = type.name
        let names = ((try? host.projectionsRebuilt(with: [type])) ?? [type]).map { $0.name }
        let started = state.withLock { s in
            guard s.running.isDisjoint(with: names) else { return false }
            for n in names {
                s.running.insert(n)
                s.failures[n] = nil
            }
            return true
        }
        guard started else { return false }
        let thread = Thread {
            logger.info("projection rebuild started", metadata: ["projection": "\(name)"])
            do {
                try host.rebuild(type)
                logger.info("projection rebuild finished", metadata: ["projection": "\(name)"])
                self.finished(names, failure: nil)
            } catch {
                logger.error("projection rebuild failed", metadata: ["projection": "\(name)", "error": "\(error)"])
                self.finished(names, failure: "\(error)")
            }
        }
        thread.name = "cxledger-rebuild-\(name)"
        thread.start()
        return true
    }
}
