import Foundation
import LMDB
import Synchronization

/// Blue/green rebuilds and consistency checks of projections.
extension ProjectionHost {
    /// Rebuilds `type` from position 1 into a fresh generation beside the live one, in bounded
    /// write transactions, and swaps it in atomically once it has caught up with the log.
    /// Readers keep the old generation until the swap; appends keep flowing between chunks.
    public func rebuild(_ type: any Projection.Type, chunk: Int = 10_000,
                        progress: (@Sendable (RebuildProgress) -> Void)? = nil) throws {
        try rebuild([type], chunk: chunk, progress: progress)
    }

    /// Rebuilds several projections in one pass over the log (each event is decoded once) and
    /// swaps them all in the same transaction. The projections depending on one of them are rebuilt with them.
    public func rebuild(_ requested: [any Projection.Type], chunk: Int = 10_000,
                        progress: (@Sendable (RebuildProgress) -> Void)? = nil) throws {
        let types = try projectionsRebuilt(with: requested)
        guard !types.isEmpty else { return }
        rebuildLock.lock()
        defer { rebuildLock.unlock() }
        let label = types.count == 1 ? types[0].name : types.map { $0.name }.joined(separator: "+")
        let started = Date()
        // Finished or failed, the rebuild is no longer in progress.
        defer { rebuilds.withLock { r in for type in types { r[type.name] = nil } } }
        let current = try types.map { try status(of: $0.name) }
        let generations = current.map { ($0?.generation ?? 0) + 1 }
        // A dependency rebuilt too is read in its new generation; any other in its live one, which appends keep
        // at the head, so events folded in place after the fold in memory find what it stored for them (and which
        // no other rebuild drops meanwhile: they take turns).
        let rebuiltGenerations = Dictionary(uniqueKeysWithValues: zip(types.map { $0.name }, generations))
        let instances: [any Projection] = try log.environment.write { txn in
            try zip(types, generations).map { type, generation in
                let tables = try self.tables(for: type, generation: generation, in: txn,
                                             dependencyGenerations: rebuiltGenerations)
                for db in tables.all { try txn.clear(db) }
                return type.init(tables: tables)
            }
        }
        // The new generation is invisible until the swap. When every projection can fold in memory, they do, off
        // the writer thread, until they have caught up with the log as it stood; their tables are then written in
        // bounded transactions and the events appended since are folded in place. Otherwise every projection
        // folds in place from the start, in bounded transactions on the writer thread.
        var next = 1
        let foldable = instances.compactMap { $0 as? BulkFoldable }
        if !foldable.isEmpty && foldable.count == instances.count {
            let snapshotHead = try log.head().position
            let shares = try foldInMemory(foldable, through: snapshotHead, chunk: chunk) { reached in
                // Against the log as it stands now, appends since the rebuild began included.
                let head = (try? self.log.head().position) ?? snapshotHead
                let report = RebuildProgress(name: label, applied: reached, total: max(head, snapshotHead),
                                             seconds: Date().timeIntervalSince(started), finished: false)
                rebuilds.withLock { r in for type in types { r[type.name] = report } }
                progress?(report)
            }
            // 160k entries per transaction by default, some 40-60 ms of writing that an append may wait behind:
            // each commit's fdatasync took about 2.5 ms here, and at a quarter of that size they were a fifth of
            // the write-out.
            try writeOut(FoldPartition.tables(of: shares), entriesPerTransaction: max(1, chunk) * 16)
            next = snapshotHead + 1
            // Freeing the folds' state (a dictionary entry per case and customer, a position per event) took a
            // tenth of a rebuild; the catch-up and the swap need not wait for it.
            let spent = consume shares
            Thread.detachNewThread { withExtendedLifetime(spent) {} }
        }
        while true {
            let start = next
            // The chunk, the final catch-up and the swap run as one job on the writer thread, so no
            // append can slip in between the last folded event and the swap.
            let (reached, head, swapped) = try log.environment.onWriterSync { () -> (Int, Int, Bool) in
                let (reached, head, swapped) = try self.log.environment.performWrite { txn -> (Int, Int, Bool) in
                    let reached = try self.foldChunk(instances, from: start, limit: chunk, in: txn)
                    let head = try self.log.readHead(txn).position
                    guard reached >= head else { return (reached, head, false) }
                    for (type, generation) in zip(types, generations) {
                        try self.writeStatus(ProjectionStatus(name: type.name, version: type.version,
                                                              generation: generation, checkpoint: head), in: txn)
                    }
                    return (reached, head, true)
                }
                if swapped {
                    for (type, (instance, generation)) in zip(types, zip(instances, generations)) {
                        self.setLive(instance, named: type.name, generation: generation)
                    }
                }
                return (reached, head, swapped)
            }
            let report = RebuildProgress(name: label, applied: reached, total: head,
                                         seconds: Date().timeIntervalSince(started), finished: swapped)
            rebuilds.withLock { r in for type in types { r[type.name] = swapped ? nil : report } }
            progress?(report)
            if swapped { break }
            next = reached + 1
        }
        for (type, old) in zip(types, current) {
            if let old { try dropGeneration(type, old.generation) }
        }
    }

    /// What `rebuild(requested)` rebuilds: `requested` with every projection depending on one of them, in the order
    /// the host applies them (each after its dependencies, so one folding in place reads what they stored for the
    /// same event).
    public func projectionsRebuilt(with requested: [any Projection.Type]) throws -> [any Projection.Type] {
        var set: [any Projection.Type] = []
        for type in requested {
            guard let known = types.first(where: { $0.name == type.name }) else {
                throw LedgerError(code: .notFound, message: "projection \(type.name) is not maintained here", field: "projection")
            }
            set.append(known)
        }
        for type in types where !set.contains(where: { $0.name == type.name }) && Self.depends(type, on: set) {
            set.append(type)
        }
        return types.filter { type in set.contains { $0.name == type.name } }
    }

    /// Folds positions 1 through `head` into the bulk folds of `projections`, in memory, shared out by customer
    /// between this thread and one beside it (see `FoldPartition`); two more threads decode. Falls back to one
    /// share when the log has a case whose events name customers of different shares. `progress` gets the
    /// position reached every `chunk` events.
    private func foldInMemory(_ projections: [any BulkFoldable], through head: Int, chunk: Int,
                              progress: (Int) -> Void) throws -> [FoldPartition] {
        let cases = try log.read { try $0.count(log.databases.cases) }
        do {
            let shares = try foldInMemory(projections, through: head, shares: 2, cases: cases, chunk: chunk,
                                          progress: progress)
            guard !FoldPartition.overlap(shares) else { throw FoldPartition.StrayCase() }
            return shares
        } catch is FoldPartition.StrayCase {
            return try foldInMemory(projections, through: head, shares: 1, cases: cases, chunk: chunk,
                                    progress: progress)
        }
    }

    private func foldInMemory(_ projections: [any BulkFoldable], through head: Int, shares count: Int, cases: Int,
                              chunk: Int, progress: (Int) -> Void) throws -> [FoldPartition] {
        let shares = (0..<count).map { FoldPartition($0, of: count, folding: projections, cases: cases) }
        // Batches of at most a chunk, so progress is reported at least once per chunk.
        let prefetch = RebuildPrefetch(log: log, from: 1, to: head, batch: max(1, min(chunk, 1_000)), consumers: count)
        let beside = shares.dropFirst().map { BulkFoldThread($0, reading: prefetch, through: head) }
        defer {
            prefetch.stop()
            for thread in beside { try? thread.wait() }
        }
        var failure: (any Error)?
        do {
            try BulkFoldThread.fold(from: prefetch, into: shares[0], through: head, every: chunk, progress: progress)
        } catch {
            failure = error
            prefetch.stop()
        }
        // A stray case stops the other shares too, which then find their events ended early: the stray is the cause.
        for thread in beside {
            do { try thread.wait() } catch { if failure == nil || error is FoldPartition.StrayCase { failure = error } }
        }
        if let failure { throw failure }
        return shares
    }

    /// Writes the tables `work` builds into their empty databases, appending in key order, a bounded number of
    /// entries per write transaction so appends keep flowing in between. Each table is built in parts, one per
    /// share of the fold, merged once all are built.
    private func writeOut(_ work: [[@Sendable () -> SortedTable]], entriesPerTransaction: Int) throws {
        // Two threads of their own build the parts while this one writes the tables built: building (ordering keys,
        // encoding records) and writing (LMDB's B-trees, on the writer thread) took about as long as each other,
        // one after the other, with a core idle. Parts, rather than whole tables, keep both builders busy and
        // get the writer going sooner; the builder finishing a table's last part merges them, so the writer only
        // writes. At most one table waits built.
        let parts = work.enumerated().flatMap { t, builders in builders.map { (table: t, build: $0) } }
        let built = BoundedHandoff<SortedTable>(capacity: 1)
        let builderDone = DispatchSemaphore(value: 0)
        let waiting = RebuildTableParts()
        let builder = Thread {
            // The folds are read by the two builders only until this thread signals: the fold threads have ended,
            // and the rebuild's own thread only writes what it is handed (see `BulkFold`).
            let next = Atomic<Int>(0)
            let builders = DispatchGroup()
            let build: @Sendable () -> Void = {
                // Below the writer, which is what the write-out waits for: with three threads on two cores, the
                // builders took its core while it had tables to write (write-out 702 -> 602 ms and 508 -> 494 ms,
                // means of five pairs). In a server, requests come first too.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
                defer { builders.leave() }
                while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < parts.count {
                    let t = parts[i].table
                    guard let all = waiting.add(parts[i].build(), of: t, expecting: work[t].count) else { continue }
                    do {
                        guard built.put(try waiting.merge(all)) else { return }
                    } catch {
                        // The writer then finds the hand-over over, and throws what stopped it.
                        waiting.fail(error)
                        built.cancel()
                        return
                    }
                }
            }
            builders.enter()
            builders.enter()
            let second = Thread(block: build)
            second.name = "cxledger.rebuild-tables"
            second.start()
            build()
            builders.wait()
            built.finish()
            builderDone.signal()
        }
        builder.name = "cxledger.rebuild-tables"
        builder.start()
        defer {
            built.cancel()
            builderDone.wait()
        }
        while let table = built.take() {
            var from = 0
            while from < table.count {
                let offsets = from..<min(from + entriesPerTransaction, table.count)
                let db = table.db
                try log.environment.write { txn in
                    try txn.appending(to: db) { appender in
                        try table.forEach(in: offsets) { key, value in try appender.append(rawKey: key, rawValue: value) }
                    }
                }
                from = offsets.upperBound
            }
        }
        // The builders are done once the hand-over is over; one that failed cut it short.
        builderDone.wait()
        builderDone.signal()
        if let failure = waiting.failure { throw failure }
    }

    /// Applies up to `limit` events from `from` in place; returns the last position applied.
    private func foldChunk(_ instances: [any Projection], from: Int, limit: Int,
                           in txn: borrowing WriteTransaction) throws -> Int {
        var last = from - 1
        var count = 0
        try log.forEachEnvelope(from: from, in: txn) { position, record in
            let event = try RecordedEvent(storedAt: position, record: record)
            for instance in instances { try instance.apply(event, in: txn) }
            last = position
            count += 1
            return count < limit
        }
        return last
    }

    /// Rebuilds `type` into scratch databases and lists every difference from the live projection
    /// (empty when they agree). The scratch databases are dropped afterwards.
    public func check(_ type: any Projection.Type, chunk: Int = 10_000, maxListed: Int = 100,
                      progress: (@Sendable (RebuildProgress) -> Void)? = nil) throws -> [String] {
        rebuildLock.lock()
        defer { rebuildLock.unlock() }
        let name = type.name
        let started = Date()
        // Generation 0 is never live, so it serves as scratch space.
        let scratch = try log.environment.write { txn in
            let tables = try self.tables(for: type, generation: 0, in: txn)
            for db in tables.all { try txn.clear(db) }
            return type.init(tables: tables)
        }
        defer { try? dropGeneration(type, 0) }
        var next = 1
        while true {
            let start = next
            let (reached, head, differences) = try log.environment.onWriterSync { () -> (Int, Int, [String]?) in
                try self.log.environment.performWrite { txn -> (Int, Int, [String]?) in
                    let reached = try self.foldChunk([scratch], from: start, limit: chunk, in: txn)
                    let head = try self.log.readHead(txn).position
                    guard reached >= head else { return (reached, head, nil) }
                    guard let status = try self.status(of: name, in: txn) else {
                        return (reached, head, ["projection \(name) has no live generation"])
                    }
                    let live = try self.tables(for: type, generation: status.generation, in: txn)
                    let rebuilt = try self.tables(for: type, generation: 0, in: txn)
                    var found: [String] = []
                    if status.version != type.version {
                        found.append("live version \(status.version) differs from the code's \(type.version)")
                    }
                    if status.checkpoint != head {
                        found.append("live checkpoint \(status.checkpoint) differs from the log head \(head)")
                    }
                    for table in type.tableNames {
                        try Self.compare(live[table], rebuilt[table], table: table, in: txn, into: &found, max: maxListed)
                    }
                    // Nothing in the scratch space should survive the check.
                    for db in rebuilt.all { try txn.clear(db) }
                    return (reached, head, found)
                }
            }
            progress?(RebuildProgress(name: name, applied: reached, total: head,
                                      seconds: Date().timeIntervalSince(started), finished: differences != nil))
            if let differences { return differences }
            next = reached + 1
        }
    }

    /// Compares two databases key by key.
    private static func compare(_ live: Database, _ rebuilt: Database, table: String,
                                in txn: borrowing WriteTransaction, into found: inout [String], max: Int) throws {
        var liveEntries: [([UInt8], [UInt8])] = []
        try txn.scan(live) { k, v in liveEntries.append((Array(k), Array(v))); return true }
        var index = 0
        func show(_ bytes: [UInt8]) -> String {
            let text = String(decoding: bytes, as: UTF8.self)
            return text.count > 160 ? String(text.prefix(160)) + "…" : text
        }
        func note(_ s: String) { if found.count < max { found.append(s) } else if found.count == max { found.append("… more differences") } }
        try txn.scan(rebuilt) { k, v in
            let key = Array(k)
            while index < liveEntries.count && liveEntries[index].0.lexicographicallyPrecedes(key) {
                note("\(table) \(show(liveEntries[index].0)): only in the live projection")
                index += 1
            }
            if index < liveEntries.count && liveEntries[index].0 == key {
                if liveEntries[index].1 != Array(v) {
                    note("\(table) \(show(key)): live \(show(liveEntries[index].1)) but rebuilt \(show(Array(v)))")
                }
                index += 1
            } else {
                note("\(table) \(show(key)): only in the rebuilt projection")
            }
            return true
        }
        while index < liveEntries.count {
            note("\(table) \(show(liveEntries[index].0)): only in the live projection")
            index += 1
        }
    }

    /// Progress of rebuilds running in this process.
    public func rebuildsInProgress() -> [String: RebuildProgress] {
        rebuilds.withLock { $0 }
    }
}
