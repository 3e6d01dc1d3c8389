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
    }

    private let state = Mutex(State())

    func isRunning(_ name: String) -> Bool { state.withLock { $0.running.contains(name) } }
    func failure(_ name: String) -> String? { state.withLock { $0.failures[name] } }

    /// Starts rebuilding `type` unless it is already rebuilding; returns whether it started.
    func start(_ type: any Projection.Type, host: ProjectionHost, logger: Logger) -> Bool {
        let name = type.name
        let started = state.withLock { s in
            guard !s.running.contains(name) else { return false }
            s.running.insert(name)
            s.failures[name] = nil
            return true
        }
        guard started else { return false }
        let thread = Thread {
            logger.info("projection rebuild started", metadata: ["projection": "\(name)"])
            do {
                try host.rebuild(type)
                logger.info("projection rebuild finished", metadata: ["projection": "\(name)"])
                self.state.withLock { _ = $0.running.remove(name) }
            } catch {
                logger.error("projection rebuild failed", metadata: ["projection": "\(name)", "error": "\(error)"])
                self.state.withLock { s in
                    s.running.remove(name)
                    s.failures[name] = "\(error)"
                }
            }
        }
        thread.name = "cxledger-rebuild-\(name)"
        thread.start()
        return true
    }
}
