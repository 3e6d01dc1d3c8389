import Foundation

/// The parts built so far of each table not yet whole, shared by the builder threads. Under an NSLock, whose
/// pthread mutex ThreadSanitizer sees (it cannot see `Mutex`'s futex, see .ci/tsan-suppressions.txt).
final class RebuildTableParts: @unchecked Sendable {
    // @unchecked: `waiting` and `stopped` are only read and written under `lock`.
    private let lock = NSLock()
    private var waiting: [Int: [SortedTable]] = [:]
    private var stopped: (any Error)?

    /// What stopped the builders, if anything did.
    var failure: (any Error)? { lock.withLock { stopped } }

    func fail(_ error: any Error) {
        lock.withLock { stopped = stopped ?? error }
    }

    /// Adds a part of table `t`; returns all of its parts once there are `count`, nil before.
    func add(_ part: SortedTable, of t: Int, expecting count: Int) -> [SortedTable]? {
        lock.withLock {
            waiting[t, default: []].append(part)
            guard waiting[t]!.count == count else { return nil }
            return waiting.removeValue(forKey: t)
        }
    }

    /// `parts` merged into one table.
    func merge(_ parts: [SortedTable]) throws -> SortedTable {
        try parts.dropFirst().reduce(parts[0]) { try $0.merged(with: $1) }
    }
}
