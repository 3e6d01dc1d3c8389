import Foundation

/// A small blocking queue between producer threads and one consumer, so preparing the next item (decoding a
/// batch, building a table) overlaps with committing the current one.
final class BoundedHandoff<Item: Sendable>: Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private nonisolated(unsafe) var items: [Item] = []
    private nonisolated(unsafe) var finished = false
    private nonisolated(unsafe) var cancelled = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Blocks while full; returns false once the consumer has cancelled.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until an item arrives; nil when the producer finished, or once the handoff is cancelled.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished && !cancelled { condition.wait() }
        if items.isEmpty || cancelled { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
