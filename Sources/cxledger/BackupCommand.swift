import ArgumentParser
import CXLedgerCore
import Foundation

/// `cxledger backup`: a consistent, compacted copy taken while the ledger runs.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the ledger, consistently and compacted, while it runs.")

    @Option(help: "The data directory.") var data: String
    @Argument(help: "The directory to write the copy into (must not hold a ledger yet).") var out: String

    func run() throws {
        if FileManager.default.fileExists(atPath: out + "/data.mdb") {
            throw ValidationError("\(out) already holds a ledger; choose an empty directory")
        }
        let log = try EventLog(directory: data, options: .init(readOnly: true))
        try log.backup(to: out)
        let head = try log.head()
        print("backed up \(head.position) events to \(out) (head \(head.position):\(head.hash))")
    }
}
