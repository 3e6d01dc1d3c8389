import ArgumentParser
import CXLedgerCore

/// `cxledger verify`: re-checks the whole hash chain.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-check the hash chain; print the head, or the first bad position.")

    @Option(help: "The data directory.") var data: String
    @Option(help: "An earlier digest POSITION:HASH the log must still hold.") var digest: String?

    func run() throws {
        var parsedDigest: LogVerifier.Digest?
        if let digest {
            guard let d = LogVerifier.Digest(digest) else {
                throw ValidationError("--digest must be POSITION:HASH with a 64-digit lower-case hex hash")
            }
            parsedDigest = d
        }
        let log = try EventLog(directory: data, options: .init(readOnly: true))
        let report = try LogVerifier.verify(log, digest: parsedDigest)
        var out = OutputBuffer()
        if report.isValid {
            out.line(CanonicalJSON.encode(report.head.json))
            out.flush()
        } else {
            out.line(CanonicalJSON.encode(report.json))
            out.flush()
            printError("verify failed at position \(report.firstBadPosition ?? 0): \(report.problem ?? "")")
            throw ExitCode(2)
        }
    }
}
