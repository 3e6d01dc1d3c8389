import Foundation
import Synchronization

/// Folds a rebuild's decoded events into some of its bulk folds on a thread of its own, beside the rebuild's
/// thread folding the others: with one thread folding every projection, the second core mostly idled.
final class BulkFoldThread: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    /// Folds every batch `prefetch` hands to `consumer`, positions 1 through `head`, into `folds`.
    init(_ folds: [any BulkFold], reading prefetch: RebuildPrefetch, consumer: Int, through head: Int) {
        let thread = Thread { [self] in
            do {
                try Self.fold(from: prefetch, consumer: consumer, into: folds, through: head)
            } catch {
                self.failure.withLock { $0 = error }
                // The decoding thread would otherwise wait for ever to hand this thread its next batch.
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

    /// Folds what `prefetch` hands to `consumer` into `folds`, each event into every fold in turn (the folds
    /// sharing the repeat-incident rule rely on that order), calling `progress` with the position reached
    /// every `chunk` events and at `head`; throws when the events end before `head`.
    static func fold(from prefetch: RebuildPrefetch, consumer: Int, into folds: [any BulkFold], through head: Int,
                     every chunk: Int = .max, progress: (Int) -> Void = { _ in }) throws {
        var last = 0, reported = 0
        while let events = try prefetch.next(startingAt: last + 1, consumer: consumer) {
            for event in events {
                for fold in folds { fold.apply(event) }
            }
            last = events[events.count - 1].position
            if last - reported >= chunk || last == head {
                progress(last)
                reported = last
            }
        }
        if last < head { throw RebuildPrefetch.endedEarly(at: last, head: head) }
    }
}
