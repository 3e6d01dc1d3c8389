import Foundation

/// The parts built so far of each table not yet whole, shared by the builder threads. Under an NSLock, whose
/// pthread mutex ThreadSanitizer sees (it cannot see `Mutex`'s futex, see .ci/tsan-suppressions.txt).
final class RebuildTableParts: @unchecked Sendable {
    // @unchecked: `waiting`, `stopped` and `mergedMoved` are only read and written under `lock`.
    private let lock = NSLock()
    private var waiting: [Int: [SortedTable]] = [:]
    private var stopped: (any Error)?
    /// Merged tables whose parts go to several databases, by the identities of their parts' entries.
    private var mergedMoved: [Set<ObjectIdentifier>: SortedTable] = [:]

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

    /// `parts` merged into one table. Parts that also go to other databases (see `SortedTable.moved(to:)`)
    /// are merged once for all of them: the repeat-incident rule's two tables go to three projections' and
    /// were merged three times each.
    func merge(_ parts: [SortedTable]) throws -> SortedTable {
        guard parts.count > 1 else { return parts[0] }
        let key = parts.allSatisfy(\.isMoved) ? Set(parts.map(\.entriesIdentity)) : nil
        if let key, let done = lock.withLock({ mergedMoved[key] }) { return done.moved(to: parts[0].db) }
        let merged = try parts.dropFirst().reduce(parts[0]) { try $0.merged(with: $1) }
        if let key { lock.withLock { mergedMoved[key] = merged } }
        return merged
    }
}
