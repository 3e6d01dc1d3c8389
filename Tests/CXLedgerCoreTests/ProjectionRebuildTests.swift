import Foundation
import Synchronization
import Testing
@testable import CXLedgerCore
@testable import LMDB

// Proofs for the blue/green rebuild, `check` and version handling of `ProjectionHost` on real LMDB files.
// Helpers are prefixed `rebuildFixture` to stay clear of the other test files.

/// The queries' `now`, fixed so answers compare across rebuilds.
private let rebuildFixtureNow = "2026-06-01T00:00:00Z"

/// Opens the ledger in `path` with its projections, runs `body`, and makes sure the environment was closed
/// afterwards (the host observes the log, so the pair must be untied before it can be released).
func rebuildFixtureSession<R>(_ path: String, readOnly: Bool = false,
                              sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: (EventLog, ProjectionHost) throws -> R) throws -> R {
    weak var weakLog: EventLog?
    let result: R = try {
        let log = try EventLog(directory: path, options: .init(readOnly: readOnly))
        weakLog = log
        defer {
            log.setObserver(nil)
            // The writer thread lets go of a finished job (which may hold the log) before it runs the next one.
            if !readOnly { try? log.environment.onWriterSync {} }
        }
        let host = try ProjectionHost(log: log)
        return try body(log, host)
    }()
    #expect(weakLog == nil, "the ledger in \(path) stayed open", sourceLocation: sourceLocation)
    return result
}

/// A seeded, lifecycle-valid history appended in batches of varied sizes; returns how many cases it opened.
@discardableResult
func rebuildFixtureAppendHistory(_ log: EventLog, events: Int, seed: UInt64 = 20_260_501,
                                 customers: Int = 60) throws -> Int {
    var generator = HistoryGenerator(seed: seed, parameters: .init(customers: customers, openCaseTarget: 40))
    var remaining = events
    var batch = 0
    while remaining > 0 {
        let n = min(remaining, 1 + (batch * 37) % 400)
        try log.append(generator.nextBatch(n))
        remaining -= n
        batch += 1
    }
    return generator.casesOpened
}

/// Every query answer the projections give about the generated history, as one JSON value.
func rebuildFixtureAnswers(_ log: EventLog, _ host: ProjectionHost, cases: Int, customers: Int = 60) throws -> JSONValue {
    let now = projectionFixtureTime(rebuildFixtureNow)
    let open = try host.projection(OpenCasesProjection.self)
    let history = try host.projection(CustomerHistoryProjection.self)
    let repeats = try host.projection(RepeatIncidentsProjection.self)
    let risk = try host.projection(AtRiskProjection.self)
    return try log.read { txn in
        var out: [String: JSONValue] = [:]
        out["open"] = .array(try open.list(filter: OpenCasesFilter(limit: 1000), now: now, in: txn).cases)
        for i in 0..<cases {
            let id = HistoryGenerator.caseId(i)
            out["case/" + id] = try open.caseView(id, now: now, in: txn) ?? .null
            out["related/" + id] = try repeats.related(id, in: txn) ?? .null
        }
        for c in 0..<customers {
            let id = HistoryGenerator.customerId(c)
            out["history/" + id] = try history.history(id, limit: 1000, from: log, in: txn) ?? .null
        }
        out["atRisk"] = try risk.top(limit: 1000, in: txn)
        return .object(out)
    }
}

/// The names of the named databases in the environment (the keys of LMDB's main database).
func rebuildFixtureDatabaseNames(_ log: EventLog) throws -> Set<String> {
    try log.read { txn in
        Set(try txn.databaseNames())
    }
}

/// The named databases of one generation of `type`.
func rebuildFixtureGenerationNames(_ type: any Projection.Type, _ generation: Int) -> Set<String> {
    Set(type.tableNames.map { ProjectionHost.tableName(type.name, generation: generation, table: $0) })
}

/// Checks every projection against a fresh rebuild; returns the differences by projection (empty when clean).
func rebuildFixtureCheckAll(_ host: ProjectionHost) throws -> [String: [String]] {
    var out: [String: [String]] = [:]
    for type in host.types {
        let found = try host.check(type, chunk: 700)
        if !found.isEmpty { out[type.name] = found }
    }
    return out
}

/// An inbound, non-public interaction of a customer the generated history does not know, so it changes
/// none of the answers `rebuildFixtureAnswers` gives.
func rebuildFixtureOutsider(_ customer: String, _ n: Int) throws -> ProposedEvent {
    try EventValidator.validate([
        "id": .string(UUID().uuidString.lowercased()), "type": "interaction.recorded", "customerId": .string(customer),
        "occurredAt": "2026-05-20T10:00:00Z",
        "data": ["channel": "chat", "direction": "inbound", "public": false,
                 "summary": .string("appended during a rebuild, number \(n)")],
    ])
}

/// What the progress callback saw, for assertions after the rebuild.
final class RebuildFixtureObservations: Sendable {
    struct Chunk: Sendable {
        var progress: RebuildProgress
        var answersUnchanged: Bool
        var liveGeneration: Int?
        var newGenerationCases: Int
    }
    let chunks = FixtureLocked<[Chunk]>([])
    let failures = FixtureLocked<[String]>([])
}

@Suite("Projection rebuild, check and versions")
struct ProjectionRebuildTests {
    @Test("rebuilding each projection (with those depending on it), then all at once, matches the live one, advances the generation and drops the old one")
    func rebuildEachAndAll() throws {
        let dir = FixtureDirectory("rebuild-each")
        let path = dir.sub("data")
        let final = try rebuildFixtureSession(path) { (log, host) throws -> [String: Int] in
            let cases = try rebuildFixtureAppendHistory(log, events: 3_000)
            let head = try log.head().position
            #expect(head == 3_000)
            let before = try rebuildFixtureAnswers(log, host, cases: cases)
            #expect(before["open"]?.arrayValue?.isEmpty == false)
            #expect(try rebuildFixtureCheckAll(host) == [:])

            var generationsSeen = try Dictionary(uniqueKeysWithValues: host.types.map {
                ($0.name, try #require(try host.status(of: $0.name)).generation)
            })
            for type in host.types {
                let old = try #require(try host.status(of: type.name))
                #expect(old.version == type.version)
                #expect(old.checkpoint == head)
                try host.rebuild(type, chunk: 500)
                // Those reading its tables are rebuilt with it.
                let rebuilt = [type.name] + host.types.filter { ProjectionHost.depends($0, on: [type]) }.map { $0.name }
                #expect(rebuilt.count == (type.name == RepeatIncidentsProjection.name ? 3 : 1), "\(type.name)")
                let new = try #require(try host.status(of: type.name))
                #expect(new.generation == old.generation + 1, "\(type.name)")
                #expect(new.checkpoint == head, "\(type.name)")
                #expect(new.version == type.version, "\(type.name)")
                let names = try rebuildFixtureDatabaseNames(log)
                #expect(rebuildFixtureGenerationNames(type, old.generation).isDisjoint(with: names),
                        "\(type.name): the old generation's databases remain")
                #expect(rebuildFixtureGenerationNames(type, new.generation).isSubset(of: names))
                // The other projections are untouched.
                for other in host.types where !rebuilt.contains(other.name) {
                    #expect(try host.status(of: other.name)?.generation == generationsSeen[other.name], "\(other.name)")
                }
                for name in rebuilt {
                    let status = try #require(try host.status(of: name))
                    #expect(status.generation == generationsSeen[name]! + 1, "\(name)")
                    generationsSeen[name] = status.generation
                }
                #expect(try host.check(type) == [], "\(type.name)")
                #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before, "\(type.name)")
                #expect(host.rebuildsInProgress().isEmpty)
            }

            let generations = try host.types.map { try #require(try host.status(of: $0.name)).generation }
            try host.rebuild(host.types, chunk: 777)
            for (type, old) in zip(host.types, generations) {
                let new = try #require(try host.status(of: type.name))
                #expect(new.generation == old + 1, "\(type.name)")
                #expect(new.checkpoint == head)
            }
            let names = try rebuildFixtureDatabaseNames(log)
            for (type, old) in zip(host.types, generations) {
                #expect(rebuildFixtureGenerationNames(type, old).isDisjoint(with: names), "\(type.name)")
                // `check` used generation 0 as scratch space and dropped it.
                #expect(rebuildFixtureGenerationNames(type, 0).isDisjoint(with: names), "\(type.name)")
            }
            #expect(try rebuildFixtureCheckAll(host) == [:])
            #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before)

            // Appends after the swap reach the rebuilt projections live.
            try log.append([rebuildFixtureOutsider("cust-after-rebuild", 1)])
            let history = try host.projection(CustomerHistoryProjection.self)
            let timeline = try log.read { txn in try history.history("cust-after-rebuild", from: log, in: txn) }?["timeline"]?.arrayValue
            #expect(timeline?.count == 1)
            #expect(try rebuildFixtureCheckAll(host) == [:])
            return try Dictionary(uniqueKeysWithValues: host.types.map { ($0.name, try #require(try host.status(of: $0.name)).generation) })
        }
        // The rebuilt generations are the ones a later open finds.
        try rebuildFixtureSession(path) { (log, host) throws in
            #expect(final[OpenCasesProjection.name] == 3 && final[CustomerHistoryProjection.name] == 4)
            for type in host.types { #expect(try host.status(of: type.name)?.generation == final[type.name], "\(type.name)") }
            #expect(try rebuildFixtureCheckAll(host) == [:])
        }
    }

    @Test("while a rebuild runs, readers get the old generation and appends between chunks land in the new one")
    func readersKeepTheOldVersion() throws {
        let dir = FixtureDirectory("rebuild-readers")
        try rebuildFixtureSession(dir.sub("data")) { log, host in
            let cases = try rebuildFixtureAppendHistory(log, events: 3_000)
            let before = try rebuildFixtureAnswers(log, host, cases: cases)
            let oldGenerations = try Dictionary(uniqueKeysWithValues: host.types.map {
                ($0.name, try #require(try host.status(of: $0.name)).generation)
            })
            let liveCases = try log.read { txn in
                try txn.count(host.readTables(for: OpenCasesProjection.self, generation: oldGenerations["open-cases"]!)["cases"])
            }
            #expect(liveCases == cases)

            // An appender on its own thread: it appends a batch whenever the rebuild's progress callback asks,
            // and the callback waits for it, so every such append falls strictly between two chunks.
            let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            let appended = FixtureLocked(0)
            let stop = FixtureLocked(false)
            let observations = RebuildFixtureObservations()
            let appender = Thread {
                while true {
                    go.wait()
                    if stop.withLock({ $0 }) { break }
                    do {
                        let n = appended.withLock { $0 }
                        try log.append((0..<5).map { try rebuildFixtureOutsider("cust-during-rebuild", n + $0) })
                        appended.withLock { $0 += 5 }
                    } catch {
                        observations.failures.withLock { $0.append("append failed: \(error)") }
                    }
                    done.signal()
                }
                done.signal()
            }
            appender.start()

            try host.rebuild(host.types, chunk: 50) { progress in
                do {
                    let index = observations.chunks.withLock { $0.count }
                    if !progress.finished && index % 7 == 3 {
                        go.signal()
                        done.wait()
                    }
                    let answers = try rebuildFixtureAnswers(log, host, cases: cases)
                    let generation = try host.status(of: OpenCasesProjection.name)?.generation
                    let building = oldGenerations["open-cases"]! + 1
                    let newCases = try log.read { txn in
                        try txn.count(host.readTables(for: OpenCasesProjection.self, generation: building)["cases"])
                    }
                    observations.chunks.withLock {
                        $0.append(.init(progress: progress, answersUnchanged: answers == before,
                                        liveGeneration: generation, newGenerationCases: newCases))
                    }
                } catch {
                    observations.failures.withLock { $0.append("reading during the rebuild failed: \(error)") }
                }
            }
            stop.withLock { $0 = true }
            go.signal()
            done.wait()

            #expect(observations.failures.withLock { $0 } == [])
            let chunks = observations.chunks.withLock { $0 }
            let during = chunks.filter { !$0.progress.finished }
            #expect(during.count >= 50, "the rebuild ran in \(chunks.count) chunks")
            #expect(chunks.last?.progress.finished == true)
            #expect(chunks.filter(\.progress.finished).count == 1)
            // Between chunks the readers saw the old generation, unchanged, while the new one was being folded.
            for (i, c) in during.enumerated() {
                let unchanged = c.answersUnchanged, generation = c.liveGeneration
                #expect(unchanged, "answers changed during the rebuild, after chunk \(i + 1)")
                #expect(generation == oldGenerations["open-cases"], "after chunk \(i + 1)")
                #expect(c.progress.applied < c.progress.total)
            }
            // Projections with a bulk fold (all four) fold in memory, so the new generation's tables stay empty until
            // the fold has caught up with the log as it stood; then they are written whole, and the events appended
            // since are folded in place before the swap.
            #expect(during.first?.newGenerationCases == 0)
            #expect(during.allSatisfy { $0.newGenerationCases == 0 || $0.newGenerationCases == cases })
            #expect(zip(during, during.dropFirst()).allSatisfy { $0.progress.applied < $1.progress.applied })
            #expect(zip(during, during.dropFirst()).allSatisfy { $0.newGenerationCases <= $1.newGenerationCases })

            // The appends made between chunks are in the rebuilt projections.
            let count = appended.withLock { $0 }
            #expect(count >= 20)
            let head = try log.head().position
            #expect(head == 3_000 + count)
            #expect(chunks.last?.progress.total == head)
            for type in host.types {
                let status = try #require(try host.status(of: type.name))
                #expect(status.generation == oldGenerations[type.name]! + 1, "\(type.name)")
                #expect(status.checkpoint == head, "\(type.name)")
            }
            let history = try host.projection(CustomerHistoryProjection.self)
            let outsider = try log.read { txn in try history.history("cust-during-rebuild", limit: 1000, from: log, in: txn) }
            #expect(outsider?["timeline"]?.arrayValue?.count == count)
            #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before)
            #expect(try rebuildFixtureCheckAll(host) == [:])
            let names = try rebuildFixtureDatabaseNames(log)
            for type in host.types {
                #expect(rebuildFixtureGenerationNames(type, oldGenerations[type.name]!).isDisjoint(with: names))
            }
        }
    }

    @Test("check lists differences in a damaged live projection, and none after a rebuild")
    func checkFindsDamage() throws {
        let dir = FixtureDirectory("rebuild-check")
        try rebuildFixtureSession(dir.sub("data")) { log, host in
            let cases = try rebuildFixtureAppendHistory(log, events: 1_500, seed: 42)
            let before = try rebuildFixtureAnswers(log, host, cases: cases)
            #expect(try rebuildFixtureCheckAll(host) == [:])

            // Damage two projections directly in their live tables: a key removed, a value altered, a key added.
            let openStatus = try #require(try host.status(of: OpenCasesProjection.name))
            let openTables = try host.readTables(for: OpenCasesProjection.self, generation: openStatus.generation)
            let historyStatus = try #require(try host.status(of: CustomerHistoryProjection.name))
            let historyTables = try host.readTables(for: CustomerHistoryProjection.self, generation: historyStatus.generation)
            let (removedKey, alteredKey) = try log.read { txn -> ([UInt8], [UInt8]) in
                let removed = try #require(try txn.last(openTables["cases"])).key
                var altered: [UInt8]?
                try txn.scan(historyTables["customers"]) { k, _ in altered = Array(k); return false }
                return (removed, try #require(altered))
            }
            try log.environment.write { txn in
                #expect(try txn.delete(openTables["cases"], key: removedKey))
                try txn.put(historyTables["customers"], key: alteredKey, value: Array("tampered".utf8))
                try txn.put(historyTables["timeline"], key: Array("zz-planted".utf8), value: Array("x".utf8))
            }

            let openDiffs = try host.check(OpenCasesProjection.self)
            #expect(openDiffs.count == 1, "\(openDiffs)")
            let removedText = String(decoding: removedKey, as: UTF8.self)
            #expect(openDiffs.contains { $0.hasPrefix("cases ") && $0.contains(removedText) && $0.contains("only in the rebuilt projection") },
                    "\(openDiffs)")
            let historyDiffs = try host.check(CustomerHistoryProjection.self)
            #expect(historyDiffs.count == 2, "\(historyDiffs)")
            #expect(historyDiffs.contains { $0.hasPrefix("customers ") && $0.contains("live tampered but rebuilt") }, "\(historyDiffs)")
            #expect(historyDiffs.contains { $0.hasPrefix("timeline zz-planted") && $0.contains("only in the live projection") },
                    "\(historyDiffs)")
            #expect(try host.check(RepeatIncidentsProjection.self) == [])
            #expect(try host.check(AtRiskProjection.self) == [])
            // A list is capped.
            let capped = try host.check(CustomerHistoryProjection.self, maxListed: 1)
            #expect(capped.count == 2 && capped.last == "… more differences", "\(capped)")
            // A damaged checkpoint is a difference too.
            try log.environment.write { txn in
                var s = try #require(try host.status(of: RepeatIncidentsProjection.name, in: txn))
                s.checkpoint -= 1
                try host.writeStatus(s, in: txn)
            }
            let checkpointDiffs = try host.check(RepeatIncidentsProjection.self)
            #expect(checkpointDiffs.count == 1 && checkpointDiffs.first?.contains("checkpoint") == true, "\(checkpointDiffs)")

            // The damage never leaked into the scratch space nor the log.
            #expect(rebuildFixtureGenerationNames(OpenCasesProjection.self, 0).isDisjoint(with: try rebuildFixtureDatabaseNames(log)))

            try host.rebuild([OpenCasesProjection.self, CustomerHistoryProjection.self, RepeatIncidentsProjection.self])
            #expect(try rebuildFixtureCheckAll(host) == [:])
            #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before)
        }
    }

    @Test("a stored event that no longer decodes stops the rebuild with an error, leaving the live generation; mended, it rebuilds",
          .timeLimit(.minutes(2)))
    func corruptEventStopsTheRebuild() throws {
        let dir = FixtureDirectory("rebuild-corrupt")
        try rebuildFixtureSession(dir.sub("data")) { log, host in
            let cases = try rebuildFixtureAppendHistory(log, events: 3_000, seed: 7)
            let before = try rebuildFixtureAnswers(log, host, cases: cases)
            let generations = try Dictionary(uniqueKeysWithValues: host.types.map { ($0.name, try #require(try host.status(of: $0.name)).generation) })
            // Behind the log's back: event 2,000's data becomes an array, which no stored envelope may hold.
            let (key, original) = try log.read { txn -> ([UInt8], [UInt8]) in
                var seen = 0
                var found: ([UInt8], [UInt8])?
                try txn.scan(log.databases.events) { k, v in
                    seen += 1
                    if seen == 2_000 { found = (Array(k), Array(v)) }
                    return seen < 2_000
                }
                return try #require(found)
            }
            let needle = Array(#""data":{"#.utf8)
            let at = try #require((0...(original.count - needle.count)).first { original[$0..<($0 + needle.count)].elementsEqual(needle) })
            var broken = original
            broken[at + needle.count - 1] = UInt8(ascii: "[")
            let corrupted = broken
            try log.environment.write { txn in try txn.put(log.databases.events, key: key, value: corrupted) }

            // Every projection folds in memory on two threads while two more decode (this event falls in the second
            // decoder's batch); all of them must stop.
            #expect(throws: LedgerError.self) { try host.rebuild(host.types, chunk: 500) }
            #expect(throws: LedgerError.self) { try host.rebuild(OpenCasesProjection.self, chunk: 500) }
            for type in host.types {
                #expect(try host.status(of: type.name)?.generation == generations[type.name], "\(type.name)")
            }
            // No rebuild is reported as still running.
            #expect(host.rebuildsInProgress().isEmpty)

            try log.environment.write { txn in try txn.put(log.databases.events, key: key, value: original) }
            try host.rebuild(host.types)
            #expect(try rebuildFixtureCheckAll(host) == [:])
            #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before)
        }
    }

    @Test("several decoding threads hand every consumer each position once, in order, up to the head only")
    func prefetchHandsOverInOrder() throws {
        let dir = FixtureDirectory("rebuild-prefetch")
        try rebuildFixtureSession(dir.sub("data")) { log, _ in
            _ = try rebuildFixtureAppendHistory(log, events: 1_000, seed: 3)
            // Heads that end inside a batch, on a batch's edge, and before the second decoder's first batch.
            for (head, batch, decoders) in [(997, 7, 3), (980, 10, 2), (5, 7, 2), (1_000, 1_000, 1)] {
                let prefetch = RebuildPrefetch(log: log, from: 1, to: head, batch: batch, consumers: 2, decoders: decoders)
                defer { prefetch.stop() }
                // Each consumer on a thread of its own, as in a rebuild: the decoders wait for the slower one.
                let seen = FixtureLocked<[[Int]]>([[], []])
                let done = DispatchGroup()
                for consumer in [0, 1] {
                    done.enter()
                    Thread.detachNewThread {
                        defer { done.leave() }
                        var positions: [Int] = []
                        while let events = try? prefetch.next(startingAt: positions.count + 1, consumer: consumer) {
                            positions += events.map(\.position)
                        }
                        seen.withLock { $0[consumer] = positions }
                    }
                }
                #expect(done.wait(timeout: .now() + 60) == .success)
                for (consumer, positions) in seen.withLock({ $0 }).enumerated() {
                    #expect(positions.elementsEqual(1...head), "\(positions.count) positions, head \(head), batch \(batch), \(decoders) decoders, consumer \(consumer)")
                }
            }
        }
    }

    @Test("a stored version that differs from the code's is rebuilt by a writable open")
    func staleVersionRebuiltOnOpen() throws {
        let dir = FixtureDirectory("rebuild-version")
        let path = dir.sub("data")
        let (cases, before, old) = try rebuildFixtureSession(path) { (log, host) throws in
            let cases = try rebuildFixtureAppendHistory(log, events: 1_200, seed: 7)
            let before = try rebuildFixtureAnswers(log, host, cases: cases)
            let old = try #require(try host.status(of: OpenCasesProjection.name))
            // What an older build of the code would have left: another version, same generation and checkpoint.
            // Its tables are emptied, so answers from them would be visibly wrong.
            let tables = try host.readTables(for: OpenCasesProjection.self, generation: old.generation)
            try log.environment.write { txn in
                for db in tables.all { try txn.clear(db) }
                try txn.put(host.registry, key: OpenCasesProjection.name, value: CanonicalJSON.encode([
                    "version": .number(Double(OpenCasesProjection.version + 41)),
                    "generation": .number(Double(old.generation)), "checkpoint": .number(Double(old.checkpoint)),
                ]))
            }
            return (cases, before, old)
        }
        try rebuildFixtureSession(path) { (log, host) throws in
            let status = try #require(try host.status(of: OpenCasesProjection.name))
            #expect(status.version == OpenCasesProjection.version)
            #expect(status.generation == old.generation + 1)
            #expect(status.checkpoint == old.checkpoint)
            #expect(try host.staleProjections() == [])
            #expect(rebuildFixtureGenerationNames(OpenCasesProjection.self, old.generation)
                .isDisjoint(with: try rebuildFixtureDatabaseNames(log)))
            // The others kept their generation.
            for type in host.types where type.name != OpenCasesProjection.name {
                #expect(try host.status(of: type.name)?.generation == 1, "\(type.name)")
            }
            #expect(try rebuildFixtureAnswers(log, host, cases: cases) == before)
            #expect(try rebuildFixtureCheckAll(host) == [:])
        }
    }

    @Test("a read-only open reports a projection stored at another version, or lagging, without touching it")
    func staleVersionReportedReadOnly() throws {
        let dir = FixtureDirectory("rebuild-readonly")
        let path = dir.sub("data")
        let stored = try rebuildFixtureSession(path) { (log, host) throws in
            try rebuildFixtureAppendHistory(log, events: 600, seed: 11)
            let s = try #require(try host.status(of: RepeatIncidentsProjection.name))
            try log.environment.write { txn in
                try txn.put(host.registry, key: RepeatIncidentsProjection.name, value: CanonicalJSON.encode([
                    "version": .number(Double(RepeatIncidentsProjection.version - 1)),
                    "generation": .number(Double(s.generation)), "checkpoint": .number(Double(s.checkpoint)),
                ]))
            }
            return try #require(try host.status(of: RepeatIncidentsProjection.name))
        }
        try rebuildFixtureSession(path, readOnly: true) { (log, host) throws in
            // Its dependents too: a writable open rebuilds them with it.
            #expect(try host.staleProjections() == [RepeatIncidentsProjection.name, CustomerHistoryProjection.name,
                                                    AtRiskProjection.name])
            // Queries still answer from the stored tables.
            let history = try host.projection(CustomerHistoryProjection.self)
            #expect(try log.read { txn in try history.history("cust-1", from: log, in: txn) } != nil)
            // Nothing was rebuilt: the stored entry is as written.
            #expect(try host.status(of: RepeatIncidentsProjection.name) == stored)
            // The other projections still answer.
            let open = try host.projection(OpenCasesProjection.self)
            let list = try log.read { txn in
                try open.list(filter: OpenCasesFilter(limit: 1000), now: projectionFixtureTime(rebuildFixtureNow), in: txn)
            }
            #expect(!list.cases.isEmpty)
        }
        // A projection the log has moved past is reported too (here: registry checkpoint behind the head).
        try rebuildFixtureSession(path) { (log, host) throws in
            #expect(try host.staleProjections() == [])
            #expect(try host.status(of: RepeatIncidentsProjection.name)?.version == RepeatIncidentsProjection.version)
            let s = try #require(try host.status(of: AtRiskProjection.name))
            try log.environment.write { txn in
                var lagging = s
                lagging.checkpoint -= 10
                try host.writeStatus(lagging, in: txn)
            }
        }
        try rebuildFixtureSession(path, readOnly: true) { (_, host) throws in
            #expect(try host.staleProjections() == [AtRiskProjection.name])
        }
        try rebuildFixtureSession(path) { (log, host) throws in
            // A writable open folds the "missing" tail in again (into data that had it: the fake lag was a lie),
            // after which only a rebuild puts the projection right.
            #expect(try host.staleProjections() == [])
            #expect(try host.status(of: AtRiskProjection.name)?.checkpoint == log.head().position)
            try host.rebuild(AtRiskProjection.self)
            #expect(try rebuildFixtureCheckAll(host) == [:])
        }
    }
}
