import Synchronization

/// Wakes long-polling readers when a group commit becomes durable, so they never poll the log.
///
/// A reader notes `generation` before it reads, and waits only if nothing has committed since:
/// a commit between its read and its wait bumps the generation, so no commit is ever missed.
final class CommitNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var closed = false
        var waiters: [ObjectIdentifier: CheckedContinuation<Void, Never>] = [:]
        /// Observers of the number of parked waiters (tests use it to know a long-poll is parked).
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

        mutating func readyWatchers() -> [CheckedContinuation<Void, Never>] {
            let ready = watchers.filter { waiters.count >= $0.count }.map(\.continuation)
            watchers.removeAll { waiters.count >= $0.count }
            return ready
        }
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Called after each durable commit (on the writer thread).
    func signal() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation &+= 1
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for c in woken { c.resume() }
    }

    /// Releases every waiter now and every later one at once (graceful shutdown).
    func close() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for c in woken { c.resume() }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Readers parked right now.
    var parked: Int { state.withLock { $0.waiters.count } }

    /// Returns once at least `count` readers are parked waiting for a commit.
    func waitForWaiters(_ count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.waiters.count >= count { return true }
                s.watchers.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Returns when a commit after `generation` happened, the notifier closed, `timeout` passed,
    /// or the task was cancelled, whichever comes first.
    func wait(after generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForCommit(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForCommit(after generation: UInt64) async {
        // The cancellation handler may run before the wait registers, or after a commit answered it; the
        // mark lives on this wait (not in a set kept by the notifier), so the second case leaves nothing behind.
        let wait = Wait()
        let id = ObjectIdentifier(wait)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (resumeNow, watchers) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
                    if s.closed || s.generation != generation || wait.cancelled { return (true, []) }
                    s.waiters[id] = continuation
                    return (false, s.readyWatchers())
                }
                if resumeNow { continuation.resume() }
                for w in watchers { w.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                wait.cancelled = true
                return nil
            }
            waiter?.resume()
        }
    }

    /// One reader's wait, for the cancellation handler to mark when it runs before the wait registered.
    private final class Wait: @unchecked Sendable {
        // @unchecked: `cancelled` is only read and written inside `state.withLock`.
        var cancelled = false
    }
}
