import LMDB

/// A read model folded from the log, kept in its own LMDB databases and rebuildable from position 1.
///
/// Adding one is a new type plus its line in `ProjectionCatalog.all`.
public protocol Projection: Sendable {
    /// Its name in the API (`open-cases`).
    static var name: String { get }
    /// Bump when `apply` changes meaning: a stored projection of another version is rebuilt.
    static var version: Int { get }
    /// The databases it owns; the host gives each generation its own set.
    static var tableNames: [String] { get }
    /// Projections whose tables it reads while folding (through `tables.of(_:)`), so what a dependency derives
    /// from the log is derived and stored once. The host folds each of them into a transaction before it,
    /// rebuilds it whenever it rebuilds one of them (a dependency of another version may mean something else),
    /// and checks it against their live generation. Queries get only the projection's own tables.
    static var dependencies: [any Projection.Type] { get }

    /// Binds the projection to one generation's databases.
    init(tables: ProjectionTables)

    /// Folds one event in, inside the append (or rebuild) transaction.
    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws

    /// Folds in every event one write transaction stored, in position order (under group commit, the events
    /// of several requests). A projection may keep what they change in memory and write it once at the end,
    /// as long as the tables end up exactly as folding the events one by one leaves them (the determinism
    /// tests compare the two).
    func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws
}

extension Projection {
    public static var dependencies: [any Projection.Type] { [] }

    public func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws {
        for event in events { try apply(event, in: txn) }
    }
}

/// The databases of one generation of a projection, by table name, with those of its dependencies.
public struct ProjectionTables: Sendable {
    public let generation: Int
    let databases: [String: Database]
    /// The generations of its dependencies that it reads, by projection name.
    let dependencies: [String: ProjectionTables]

    init(generation: Int, databases: [String: Database], dependencies: [String: ProjectionTables] = [:]) {
        self.generation = generation
        self.databases = databases
        self.dependencies = dependencies
    }

    public subscript(_ name: String) -> Database {
        guard let db = databases[name] else { preconditionFailure("projection table \(name) was not declared") }
        return db
    }

    /// The tables of `dependency`, one of the projection's `dependencies`; nil when it is bound for queries only.
    public func of(_ dependency: any Projection.Type) -> ProjectionTables? {
        dependencies[dependency.name]
    }

    public var all: [Database] { databases.keys.sorted().map { databases[$0]! } }
}
