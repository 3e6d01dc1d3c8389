import Foundation
import LMDB
import Synchronization

/// Keeps the registered projections in step with the log and hands out their live generation.
///
/// The registry (`proj.registry`) records, per projection, its version, the generation whose
/// databases are live, and its checkpoint; all three move in the same transaction as its data.
public final class ProjectionHost: EventObserver {
    public let log: EventLog
    public let types: [any Projection.Type]
    let registry: Database
    /// Live instances by name with the generation they write; replaced when a rebuild swaps generations.
    private let live: Mutex<[String: (instance: any Projection, generation: Int)]> = Mutex([:])
    /// Database handles already opened, by full name (dbi handles stay valid for the environment's life).
    private let opened: Mutex<[String: Database]> = Mutex([:])
    /// Rebuilds under way in this process, by projection name.
    let rebuilds: Mutex<[String: RebuildProgress]> = Mutex([:])
    /// Held by each rebuild and check from start to end: one at a time, so none binds a dependency's generation
    /// that another drops, and no two build the same generation. An NSLock, whose pthread mutex ThreadSanitizer
    /// sees (it cannot see `Mutex`'s futex, see .ci/tsan-suppressions.txt).
    let rebuildLock = NSLock()

    static func tableName(_ projection: String, generation: Int, table: String) -> String {
        "p.\(projection).\(generation).\(table)"
    }

    /// Opens the projections of `log`. A writable ledger builds any projection that is new, behind,
    /// or stored at another version; a read-only one reports them through `staleProjections`.
    public init(log: EventLog, projections: [any Projection.Type] = ProjectionCatalog.all) throws {
        self.log = log
        types = Self.inDependencyOrder(projections)
        if log.environment.isReadOnly {
            registry = try log.environment.openDatabases(["proj.registry"])[0]
        } else {
            registry = try log.environment.openDatabases(["proj.registry"])[0]
            try prepareForWriting()
            log.setObserver(self)
        }
    }

    /// Projections whose stored version differs from the code's or that lag the log, and those depending on one
    /// stored at another version, which a writable open rebuilds with it (read-only opens).
    public func staleProjections() throws -> [String] {
        let head = try log.head().position
        var stale: [any Projection.Type] = []
        for type in types {
            let status = try self.status(of: type.name)
            if status == nil || status!.version != type.version || status!.checkpoint < head || Self.depends(type, on: stale) {
                stale.append(type)
            }
        }
        return stale.map { $0.name }
    }

    /// Whether `type` depends on one of `others`.
    static func depends(_ type: any Projection.Type, on others: [any Projection.Type]) -> Bool {
        type.dependencies.contains { d in others.contains { $0.name == d.name } }
    }

    public func status(of name: String) throws -> ProjectionStatus? {
        try log.read { txn in try status(of: name, in: txn) }
    }

    func status(of name: String, in txn: borrowing some ReadableTransaction & ~Copyable) throws -> ProjectionStatus? {
        guard let bytes = try txn.get(registry, key: name) else { return nil }
        return ProjectionStatus(name: name, json: try JSONParser.parse(bytes))
    }

    func writeStatus(_ status: ProjectionStatus, in txn: borrowing WriteTransaction) throws {
        try txn.put(registry, key: status.name, value: CanonicalJSON.encode(status.json))
    }

    /// `projections` and every projection they depend on, each after its dependencies (otherwise in the order given).
    static func inDependencyOrder(_ projections: [any Projection.Type]) -> [any Projection.Type] {
        var ordered: [any Projection.Type] = []
        func add(_ type: any Projection.Type, _ path: [String]) {
            guard !ordered.contains(where: { $0.name == type.name }) else { return }
            precondition(!path.contains(type.name), "projections depend on each other: \((path + [type.name]).joined(separator: " -> "))")
            for dependency in type.dependencies { add(dependency, path + [type.name]) }
            ordered.append(type)
        }
        for type in projections { add(type, []) }
        return ordered
    }

    /// Opens (in `txn`) the tables of one generation of `type`, with those of its dependencies: the generation
    /// given in `dependencyGenerations`, or else the live one.
    func tables(for type: any Projection.Type, generation: Int, in txn: borrowing WriteTransaction,
                dependencyGenerations: [String: Int] = [:]) throws -> ProjectionTables {
        var dbs: [String: Database] = [:]
        for table in type.tableNames {
            let full = Self.tableName(type.name, generation: generation, table: table)
            dbs[table] = try txn.openDatabase(full)
        }
        opened.withLock { o in for (_, db) in dbs { o[db.name] = db } }
        var dependencies: [String: ProjectionTables] = [:]
        for dependency in type.dependencies {
            let g = try dependencyGenerations[dependency.name] ?? liveGeneration(of: dependency, dependent: type, in: txn)
            dependencies[dependency.name] = try tables(for: dependency, generation: g, in: txn,
                                                       dependencyGenerations: dependencyGenerations)
        }
        return ProjectionTables(generation: generation, databases: dbs, dependencies: dependencies)
    }

    /// Opens the tables of one generation for queries (in a read-only process too): its own, without its
    /// dependencies' (see `Projection.dependencies`).
    func readTables(for type: any Projection.Type, generation: Int) throws -> ProjectionTables {
        let names = type.tableNames.map { Self.tableName(type.name, generation: generation, table: $0) }
        var dbs = opened.withLock { o in names.compactMap { o[$0] } }
        if dbs.count != names.count {
            dbs = try log.environment.openDatabases(names)
            opened.withLock { o in for db in dbs { o[db.name] = db } }
        }
        return ProjectionTables(generation: generation, databases: Dictionary(uniqueKeysWithValues: zip(type.tableNames, dbs)))
    }

    private func liveGeneration(of dependency: any Projection.Type, dependent: any Projection.Type,
                                in txn: borrowing some ReadableTransaction & ~Copyable) throws -> Int {
        guard let status = try status(of: dependency.name, in: txn) else {
            throw LedgerError(code: .notFound,
                              message: "projection \(dependent.name) reads \(dependency.name), which has not been built; rebuild both")
        }
        return status.generation
    }

    /// The live instance of `P`, for queries. In a read-only process this follows swaps made by the writer.
    public func projection<P: Projection>(_ type: P.Type) throws -> P {
        if !log.environment.isReadOnly, let p = live.withLock({ $0[P.name]?.instance }) as? P { return p }
        guard let status = try status(of: P.name) else {
            throw LedgerError(code: .notFound, message: "projection \(P.name) has not been built; run cxledger-rebuild \(P.name)")
        }
        return P(tables: try readTables(for: P.self, generation: status.generation))
    }

    /// Replaces the live instance (after a rebuild swapped generations).
    func setLive(_ projection: any Projection, named name: String, generation: Int) {
        live.withLock { $0[name] = (projection, generation) }
    }

    // MARK: EventObserver

    public func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws {
        guard let position = events.last?.position else { return }
        // In `types` order, so a projection reads what its dependencies stored for the same events.
        let current = live.withLock { live in types.compactMap { type in live[type.name].map { (type.name, $0) } } }
        for (name, p) in current {
            try p.instance.apply(events, in: txn)
            // The registry entry is rewritten from what the host knows, without reading it back first: this
            // runs once per commit on the append path.
            try writeStatus(ProjectionStatus(name: name, version: type(of: p.instance).version,
                                             generation: p.generation, checkpoint: position), in: txn)
        }
    }

    // MARK: Opening

    /// Makes every projection live, building new, stale or lagging ones from the log first.
    private func prepareForWriting() throws {
        var stale: [any Projection.Type] = []
        for type in types {
            // One depending on a projection stored at another version was folded from what that one meant then.
            guard let existing = try status(of: type.name), existing.version == type.version,
                  !Self.depends(type, on: stale) else {
                stale.append(type)
                continue
            }
            try makeLive(type, existing)
        }
        // New projections, and ones stored at another version, are built blue/green: the registry
        // keeps naming the old generation (which readers in other processes use) until the swap.
        try rebuild(stale)
    }

    /// Makes the stored generation of `type` live, folding in what it lags behind the log first.
    private func makeLive(_ type: any Projection.Type, _ existing: ProjectionStatus) throws {
        let instance = try log.environment.write { txn in
            type.init(tables: try self.tables(for: type, generation: existing.generation, in: txn))
        }
        if existing.checkpoint < (try log.head().position) {
            try fold(instance, named: type.name, from: existing.checkpoint + 1)
        }
        setLive(instance, named: type.name, generation: existing.generation)
    }

    /// Folds log events from `from` into `instance` in bounded write transactions, recording progress.
    func fold(_ instance: any Projection, named name: String, from: Int, initial: ProjectionStatus? = nil,
              chunk: Int = 20_000, progress: (@Sendable (Int, Int) -> Void)? = nil) throws {
        var next = from
        let log = self.log
        while true {
            let start = next
            let (done, reached) = try log.environment.write { txn -> (Bool, Int) in
                var status = try initial.map { s -> ProjectionStatus in
                    var s = s
                    s.checkpoint = start - 1
                    return s
                } ?? self.status(of: name, in: txn)!
                var count = 0
                var last = start - 1
                try log.forEachEvent(from: start, in: txn) { stored in
                    try instance.apply(stored.recorded(), in: txn)
                    last = stored.position
                    count += 1
                    return count < chunk
                }
                status.checkpoint = last
                try self.writeStatus(status, in: txn)
                let head = try log.readHead(txn).position
                return (last >= head, last)
            }
            progress?(reached, try log.head().position)
            if done { return }
            next = reached + 1
        }
    }

    /// Drops every database of one generation: those `type` declares, and any an older version declared.
    func dropGeneration(_ type: any Projection.Type, _ generation: Int) throws {
        let prefix = "p.\(type.name).\(generation)."
        try log.environment.write { txn in
            let names = Set(type.tableNames.map { Self.tableName(type.name, generation: generation, table: $0) })
                .union(try txn.databaseNames(prefix: prefix))
            for name in names.sorted() { try txn.drop(try txn.openDatabase(name)) }
        }
        opened.withLock { o in o = o.filter { !$0.key.hasPrefix(prefix) } }
    }
}
