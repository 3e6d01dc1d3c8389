import ArgumentParser
import CXLedgerCore
import Foundation

/// `cxledger append`: NDJSON events into the ledger, in atomic batches.
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append NDJSON events from a file or standard input, in atomic batches.")

    @Option(help: "The data directory (refused while a server holds it; use --socket then).") var data: String?
    @Option(help: "Post through the server listening on this socket instead.") var socket: String?
    @Option(help: "Lines per atomic batch.") var batch: Int = 10_000
    @Flag(help: "Print the summary as JSON.") var json = false
    @Argument(help: "The NDJSON file (standard input when absent).") var file: String?

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard (data == nil) != (socket == nil) else { throw ValidationError("give exactly one of --data DIR or --socket PATH") }
    }

    func run() throws {
        let handle: FileHandle
        if let file {
            guard let h = FileHandle(forReadingAtPath: file) else { throw ValidationError("cannot read \(file)") }
            handle = h
        } else {
            handle = .standardInput
        }
        let outcome: EventImporter.Outcome
        if let socket {
            outcome = try RemoteAppend(socketPath: socket).run(handle: handle, batchSize: batch)
        } else {
            let data = self.data!
            // One writer per data directory: a running server (or another append) holds it.
            let lock: DataDirectoryLock
            do { lock = try DataDirectoryLock.acquire(directory: data) } catch let held as DataDirectoryLock.Held {
                printError("cxledger append: \(held)")
                throw ExitCode(3)
            }
            let log = try EventLog(directory: data)
            // The host installs itself on the log, so the projections move in each batch's transaction.
            let host = try ProjectionHost(log: log)
            outcome = try withExtendedLifetime((host, lock)) {
                try EventImporter.run(handle: handle, batchSize: batch) { try log.append($0) }
            }
        }
        var out = OutputBuffer()
        if json {
            out.line(CanonicalJSON.encode(outcome.json))
        } else {
            out.line("appended \(outcome.appended) events, \(outcome.alreadyPresent) already present")
        }
        out.flush()
        if let failure = outcome.failure {
            printError("line \(failure.line): \(failure.error.code.rawValue): \(failure.error.description); "
                + "nothing from its batch was written")
            throw ExitCode(1)
        }
    }
}
