import Foundation
import LMDB
import Synchronization

/// Coalesces concurrent append requests into one write transaction and one fsync.
///
/// Requests queue here; the writer thread drains everything queued, applies each request in turn
/// (a refused request is refused before it writes anything, so it leaves its neighbours alone),
/// commits once and only then answers every request. While it commits, the next group gathers.
final class GroupCommit: Sendable {
    private struct Request {
        let events: [ProposedEvent]
        let continuation: CheckedContinuation<[AppendedEvent], any Error>
    }

    private struct Queue {
        var requests: [Request] = []
        var queuedEvents = 0
        var drainScheduled = false
    }

    /// The most events that may wait; beyond it requests are refused with `unavailable`.
    let limit: Int
    private let queue = Mutex(Queue())
    /// Called after each group commit with (requests, events, seconds) for metrics.
    let commitListener = Mutex<CommitListener?>(nil)

    /// The listener in a box: a closure read out of a `Mutex` with `withLock { $0 }` is written back wrapped in
    /// conversion thunks, one layer more on every commit; a class reference comes back as it went in.
    final class CommitListener: Sendable {
        let call: @Sendable (Int, Int, Double) -> Void

        init(_ call: @escaping @Sendable (Int, Int, Double) -> Void) {
            self.call = call
        }
    }

    init(limit: Int) {
        self.limit = limit
    }

    func submit(_ events: [ProposedEvent], to log: EventLog) async throws -> [AppendedEvent] {
        try await withCheckedThrowingContinuation { continuation in
            let accepted: Bool
            let schedule: Bool
            (accepted, schedule) = queue.withLock { q in
                if q.queuedEvents > 0 && q.queuedEvents + events.count > limit { return (false, false) }
                q.requests.append(Request(events: events, continuation: continuation))
                q.queuedEvents += events.count
                let schedule = !q.drainScheduled
                q.drainScheduled = true
                return (true, schedule)
            }
            guard accepted else {
                continuation.resume(throwing: LedgerError(code: .unavailable,
                                                          message: "the append queue is full (\(limit) events); retry shortly"))
                return
            }
            guard schedule else { return }
            log.environment.onWriter { [weak log] in
                // Every queued request's caller holds the log until it is answered, so it is here whenever
                // there is something to drain. The job lets go of it before answering anyone: an owner who
                // drops the log once answered then frees it on its own thread, at once, and not later on
                // the writer thread (closing an environment after its owner has reopened the directory).
                let answers: [Answer]
                do {
                    guard let log else { return }
                    answers = self.drain(log)
                }
                for answer in answers { answer.continuation.resume(with: answer.outcome) }
            }
        }
    }

    /// What a drained request is answered with, once the commit is durable.
    private struct Answer {
        let continuation: CheckedContinuation<[AppendedEvent], any Error>
        let outcome: Result<[AppendedEvent], any Error>
    }

    /// Runs on the writer thread: applies and commits everything queued; returns the answers.
    private func drain(_ log: EventLog) -> [Answer] {
        var requests = queue.withLock { q in
            let taken = q.requests
            q.requests.removeAll(keepingCapacity: true)
            q.queuedEvents = 0
            q.drainScheduled = false
            return taken
        }
        guard !requests.isEmpty else { return [] }
        let started = DispatchTime.now().uptimeNanoseconds
        var outcomes: [Result<[AppendedEvent], any Error>] = []
        do {
            try log.environment.performWrite { txn in
                // Rebuilt on every attempt: a full map aborts and retries the whole group.
                outcomes = []
                outcomes.reserveCapacity(requests.count)
                try log.appending(in: txn) { appends in
                    for request in requests {
                        do {
                            outcomes.append(.success(try log.apply(request.events, to: &appends, in: txn)))
                        } catch let refused as AppendFailure {
                            // Refused while checking, before it wrote anything: its neighbours are unaffected.
                            outcomes.append(.failure(refused))
                        }
                        // Anything else (LMDB, or a failure while writing) spoils the transaction: the
                        // whole group fails, or retries after the map grows.
                    }
                }
            }
        } catch {
            return requests.map { Answer(continuation: $0.continuation, outcome: .failure(error)) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let events = requests.reduce(0) { $0 + $1.events.count }
        let answers = zip(requests, outcomes).map { Answer(continuation: $0.continuation, outcome: $1) }
        // Each waiting request still holds its own events, so letting go of them before answering means
        // they are freed on the requests' threads rather than on the writer thread.
        requests = []
        commitListener.withLock { $0 }?.call(answers.count, events, seconds)
        return answers
    }
}
