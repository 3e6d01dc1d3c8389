import Foundation
import LMDB
import Synchronization

/// Decodes stored events for a rebuild on a thread of its own, so parsing the log overlaps with folding it.
///
/// It reads positions `from...to` (the head when the rebuild began) in short read transactions and hands
/// them over in order, every batch to each of its `consumers` (threads folding different projections). A
/// consumer that asks for any other position than the next ends the hand-over for all of them.
final class RebuildPrefetch: Sendable {
    private let handoffs: [BoundedHandoff<Result<[RecordedEvent], any Error>>]
    private let stopped = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)

    init(log: EventLog, from: Int, to: Int, batch: Int = 1_000, consumers: Int = 1) {
        let handoffs = (0..<max(1, consumers)).map { _ in BoundedHandoff<Result<[RecordedEvent], any Error>>(capacity: 8) }
        self.handoffs = handoffs
        let exited = exited
        let thread = Thread {
            defer { exited.signal() }
            var next = from
            while next <= to {
                let start = next
                let result = Result {
                    try log.read { txn in
                        var events: [RecordedEvent] = []
                        events.reserveCapacity(batch)
                        // Decoded where the bytes lie, without copying each envelope out first.
                        try log.forEachEnvelope(from: start, to: min(to, start + batch - 1), in: txn) { position, json in
                            events.append(try RecordedEvent(storedAt: position, envelope: json, preparingKeys: true))
                            return true
                        }
                        return events
                    }
                }
                for handoff in handoffs { guard handoff.put(result) else { return } }
                guard case .success(let events) = result, let last = events.last else { break }
                next = last.position + 1
            }
            for handoff in handoffs { handoff.finish() }
        }
        thread.name = "cxledger.rebuild-prefetch"
        thread.start()
    }

    /// The next decoded events, if they start at `position`; nil once prefetching is over (finished, or
    /// given up because the caller asked for another position).
    func next(startingAt position: Int, consumer: Int = 0) throws -> [RecordedEvent]? {
        guard !stopped.load(ordering: .relaxed), let result = handoffs[consumer].take() else { return nil }
        let events = try result.get()
        guard events.first?.position == position else {
            stop()
            return nil
        }
        return events
    }

    /// Stops the thread (it may be blocked handing over a batch), for every consumer, and waits until it has
    /// left its last read transaction, so the log may be closed as soon as the rebuild returns.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        for handoff in handoffs { handoff.cancel() }
        exited.wait()
        exited.signal()
    }

    /// The decoding stopped before `head` although nothing failed (the log cannot shrink, so this is a bug).
    static func endedEarly(at last: Int, head: Int) -> LedgerError {
        LedgerError(code: .unavailable, message: "the rebuild's decoding stopped at position \(last), before the head \(head)")
    }
}
