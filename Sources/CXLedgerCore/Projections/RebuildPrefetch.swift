import Foundation
import LMDB
import Synchronization

/// Decodes stored events for a rebuild on threads of its own, so parsing the log overlaps with folding it.
///
/// It reads positions `from...to` (the head when the rebuild began) in short read transactions and hands
/// them over in order, every batch to each of its `consumers` (threads folding different projections). A
/// consumer that asks for any other position than the next ends the hand-over for all of them.
final class RebuildPrefetch: Sendable {
    /// One decoded batch on its way to one consumer, or what stopped the decoding.
    private typealias Handoff = BoundedHandoff<Result<[RecordedEvent], any Error>>

    /// `[decoder][consumer]`: decoder `d` decodes every `decoders`-th batch, from the `d`-th on.
    private let handoffs: [[Handoff]]
    private let from: Int
    private let batch: Int
    private let stopped = Atomic<Bool>(false)
    /// Entered by each decoding thread while it runs.
    private let running = DispatchGroup()
    /// Where the decoding threads leave the sum of the bytes `touchLines` read, so the reads are not optimised away.
    private static let touchedSink = Atomic<UInt8>(0)

    /// Two decoding threads by default: with one, it was the slowest of the rebuild's threads, and a fold
    /// thread waiting for it left a core idle.
    init(log: EventLog, from: Int, to: Int, batch: Int = 1_000, consumers: Int = 1, decoders: Int = 2) {
        let batch = max(1, batch)
        let handoffs = (0..<max(1, decoders)).map { _ in
            (0..<max(1, consumers)).map { _ in Handoff(capacity: 4) }
        }
        self.handoffs = handoffs
        self.from = from
        self.batch = batch
        for (decoder, mine) in handoffs.enumerated() {
            let running = running
            running.enter()
            let lent = LentLog(log)
            let thread = Thread {
                // The log is let go of before the thread says it is done: a finished Thread keeps its block,
                // and what the block captured, a moment longer, and the log must be able to close as soon as
                // `stop` returns.
                // Below the folding threads (Linux gives each thread its own nice value): when both cores are
                // busy the folds are what the rebuild waits for, and in a server, requests come first.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
                Self.decode(lent.take(), from: from + decoder * batch, to: to, batch: batch,
                            stride: handoffs.count * batch, into: mine)
                running.leave()
            }
            thread.name = "cxledger.rebuild-decode"
            thread.start()
        }
    }

    /// Decodes the batches starting at `start`, `start + stride`, … up to `to`, handing each to every handoff.
    private static func decode(_ log: EventLog, from start: Int, to: Int, batch: Int, stride: Int,
                               into handoffs: [Handoff]) {
        // Positions are gap-free, so each batch's range is known before it is read.
        var first = start
        // The last batches handed over, let go of only a while later: by then the consumers have mostly let go of
        // them, so this thread frees what it allocated. Freed by the folding threads instead, the events took a
        // tenth of their time, on memory another thread had allocated.
        var handedOver: [Result<[RecordedEvent], any Error>] = []
        let keep = 2 * (handoffs.first?.capacity ?? 4) + 2
        // Where each record of a batch lies, valid during the batch's read transaction.
        var records: [(position: Int, record: StoredRecord)] = []
        records.reserveCapacity(batch)
        while first <= to {
            let from = first
            let result = Result {
                try log.read { txn in
                    // The batch's records are found first, then a byte of each of their cache lines is read, then
                    // they are decoded where they lie (without copying each envelope out first). Those reads do not
                    // depend on each other, so the core keeps many in flight; met in the course of decoding, each
                    // record's first bytes, its hash member and the members after it waited for memory in turn:
                    // with LMDB's cursor, a third of a decoding thread's time. Decoding alone, on one thread, took
                    // 0.88 µs an event with each record's lines read just before it was decoded, 0.77 µs so.
                    records.removeAll(keepingCapacity: true)
                    try log.forEachEnvelope(from: from, to: min(to, from + batch - 1), in: txn) { position, record in
                        records.append((position, record))
                        return true
                    }
                    Self.touchedSink.store(records.reduce(0) { $0 &+ touchLines($1.record.bytes) }, ordering: .relaxed)
                    return try records.map { try RecordedEvent(storedAt: $0.position, record: $0.record, preparingKeys: true) }
                }
            }
            for handoff in handoffs { guard handoff.put(result) else { return } }
            guard case .success = result else { break }
            if handedOver.count == keep { handedOver.removeFirst() }
            handedOver.append(result)
            first += stride
        }
        for handoff in handoffs { handoff.finish() }
    }

    /// Reads a byte of each cache line of `bytes`, so they are in the cache when decoded (see `decode`).
    private static func touchLines(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
        var sum: UInt8 = 0
        var at = 0
        while at < bytes.count {
            sum &+= bytes[at]
            at += 64
        }
        return bytes.isEmpty ? sum : sum &+ bytes[bytes.count - 1]
    }

    /// The log, lent to one decoding thread, which takes it once.
    private final class LentLog: @unchecked Sendable {
        // @unchecked: written when made, before the thread starts, and then only by that one thread's `take`.
        private var log: EventLog?

        init(_ log: EventLog) { self.log = log }

        func take() -> EventLog {
            defer { log = nil }
            return log!
        }
    }

    /// The next decoded events, if they start at `position`; nil once prefetching is over (finished, or
    /// given up because the caller asked for another position).
    func next(startingAt position: Int, consumer: Int = 0) throws -> [RecordedEvent]? {
        guard !stopped.load(ordering: .relaxed) else { return nil }
        guard position >= from else {
            stop()
            return nil
        }
        let decoder = ((position - from) / batch) % handoffs.count
        guard let result = handoffs[decoder][consumer].take() else { return nil }
        let events = try result.get()
        guard events.first?.position == position else {
            stop()
            return nil
        }
        return events
    }

    /// Stops the decoding threads (they may be blocked handing over a batch), for every consumer, and waits
    /// until each has left its last read transaction, so the log may be closed as soon as the rebuild returns.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        for handoff in handoffs.joined() { handoff.cancel() }
        running.wait()
    }

    /// The decoding stopped before `head` although nothing failed (the log cannot shrink, so this is a bug).
    static func endedEarly(at last: Int, head: Int) -> LedgerError {
        LedgerError(code: .unavailable, message: "the rebuild's decoding stopped at position \(last), before the head \(head)")
    }
}
