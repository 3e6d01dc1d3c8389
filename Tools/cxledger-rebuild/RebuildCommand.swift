import ArgumentParser
import CXLedgerCore
import Foundation

/// `cxledger-rebuild`: rebuilds projections from the log, blue/green, or checks them.
@main
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cxledger-rebuild",
        abstract: "Rebuild a projection (or all) from the log beside the live one and swap it in; --check compares instead.")

    @Option(help: "The data directory (when no server holds it).") var data: String?
    @Option(help: "A running server's socket: the server does the work.") var socket: String?
    @Flag(help: "Rebuild into scratch space and list every difference from the live projection.") var check = false
    @Argument(help: "A projection name, or all.") var projection: String

    func validate() throws {
        guard (data == nil) != (socket == nil) else { throw ValidationError("give exactly one of --data or --socket") }
        if projection != "all" && ProjectionCatalog.named(projection) == nil {
            let names = ProjectionCatalog.all.map { $0.name }.joined(separator: ", ")
            throw ValidationError("unknown projection \(projection); expected all or one of: \(names)")
        }
    }

    func run() async throws {
        let types = projection == "all" ? ProjectionCatalog.all : [ProjectionCatalog.named(projection)!]
        if let socket {
            try await RemoteRebuild(socket: socket).run(types.map { $0.name }, check: check)
            return
        }
        // A mistyped directory must not become an empty ledger that "rebuilds" fine.
        guard FileManager.default.fileExists(atPath: data! + "/data.mdb") else {
            FileHandle.standardError.write(Data("cxledger-rebuild: no ledger in \(data!)\n".utf8))
            throw ExitCode(1)
        }
        // Rebuilding writes: refuse while a server (or another writer) holds the directory.
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock.acquire(directory: data!) } catch let held as DataDirectoryLock.Held {
            FileHandle.standardError.write(Data("cxledger-rebuild: \(held)\n".utf8))
            throw ExitCode(3)
        }
        defer { lock.release() }
        let log = try EventLog(directory: data!)
        let host = try ProjectionHost(log: log)
        let bar = ProgressBar()
        var differences = 0
        if !check {
            try host.rebuild(types, progress: bar.update)
            for type in types {
                let status = try host.status(of: type.name)
                print("\(type.name): rebuilt to position \(status?.checkpoint ?? 0) (generation \(status?.generation ?? 0))")
            }
            return
        }
        for type in types {
            let found = try host.check(type, progress: bar.update)
            differences += found.count
            if found.isEmpty {
                print("\(type.name): no difference from a fresh rebuild")
            } else {
                print("\(type.name): \(found.count) difference(s)")
                for line in found { print("  \(line)") }
            }
        }
        if differences > 0 { throw ExitCode(1) }
    }
}
