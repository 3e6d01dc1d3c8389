import Foundation
import Synchronization

/// Folds a rebuild's decoded events into one share of its bulk folds on a thread of its own, beside the
/// rebuild's thread folding another share.
final class BulkFoldThread: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    /// Folds every batch `prefetch` hands to consumer `share.index`, positions 1 through `head`, into `share`.
    init(_ share: FoldPartition, reading prefetch: RebuildPrefetch, through head: Int) {
        let thread = Thread { [self] in
            do {
                try Self.fold(from: prefetch, into: share, through: head)
            } catch {
                self.failure.withLock { $0 = error }
                // The decoding threads would otherwise wait for ever to hand this thread its next batch.
                prefetch.stop()
            }
            self.done.signal()
        }
        thread.name = "cxledger.rebuild-fold"
        thread.start()
    }

    /// Waits until the thread has folded everything (or stopped); rethrows what stopped it.
    func wait() throws {
        done.wait()
        done.signal()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Folds what `prefetch` hands to consumer `share.index` into `share`, calling `progress` with the position
    /// reached every `chunk` events and at `head`; throws when the events end before `head`.
    static func fold(from prefetch: RebuildPrefetch, into share: FoldPartition, through head: Int,
                     every chunk: Int = .max, progress: (Int) -> Void = { _ in }) throws {
        var last = 0, reported = 0
        while let events = try prefetch.next(startingAt: last + 1, consumer: share.index) {
            try share.fold(events)
            last = events[events.count - 1].position
            if last - reported >= chunk || last == head {
                progress(last)
                reported = last
            }
        }
        if last < head { throw RebuildPrefetch.endedEarly(at: last, head: head) }
    }
}
