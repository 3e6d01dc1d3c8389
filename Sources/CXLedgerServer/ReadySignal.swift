import Synchronization

/// Lets callers wait until every listener is bound (or the start failed), without polling the socket.
final class ReadySignal: Sendable {
    private enum Outcome { case ready, failed(any Error) }
    private struct State {
        var pending: Int
        var outcome: Outcome?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    private let state: Mutex<State>

    init(listeners: Int) {
        state = Mutex(State(pending: listeners))
    }

    /// One listener is bound; the last one makes the server ready.
    func listenerReady() {
        finish { s in
            s.pending -= 1
            return s.pending == 0 ? .ready : nil
        }
    }

    func fail(_ error: any Error) {
        finish { _ in .failed(error) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { s -> Outcome? in
                if s.outcome == nil { s.waiters.append(c) }
                return s.outcome
            }
            switch outcome {
            case .ready: c.resume()
            case .failed(let error): c.resume(throwing: error)
            case nil: break
            }
        }
    }

    private func finish(_ decide: (inout State) -> Outcome?) {
        let (outcome, waiters) = state.withLock { s -> (Outcome?, [CheckedContinuation<Void, any Error>]) in
            guard s.outcome == nil, let outcome = decide(&s) else { return (nil, []) }
            s.outcome = outcome
            defer { s.waiters = [] }
            return (outcome, s.waiters)
        }
        for c in waiters {
            switch outcome {
            case .ready: c.resume()
            case .failed(let error): c.resume(throwing: error)
            case nil: break
            }
        }
    }
}
