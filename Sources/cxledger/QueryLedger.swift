import ArgumentParser
import CXLedgerCore

/// What the query commands share: a read-only open of the data directory (safe beside a running server),
/// the `--now` clock, and JSON printing.
struct QueryLedger {
    let log: EventLog
    let host: ProjectionHost

    init(data: String) throws {
        log = try EventLog(directory: data, options: .init(readOnly: true))
        host = try ProjectionHost(log: log)
        let stale = try host.staleProjections()
        if !stale.isEmpty {
            printError("note: projection(s) \(stale.joined(separator: ", ")) lag the log or are out of date; "
                + "answers may be behind (run cxledger-rebuild or start the server)")
        }
    }

    /// `--now`, or the wall clock.
    static func now(_ text: String?) throws -> Timestamp {
        guard let text else { return .now() }
        guard let t = Timestamp.parseDateTime(text) else { throw ValidationError("--now must be an RFC 3339 date-time") }
        return t
    }

    static func printJSON(_ value: JSONValue) {
        var out = OutputBuffer()
        out.line(CanonicalJSON.encode(value))
        out.flush()
    }

    /// Turns a ledger error (unknown case, bad cursor) into a message and a non-zero exit.
    static func fail(_ error: LedgerError) -> ExitCode {
        printError("\(error.code.rawValue): \(error.description)")
        return ExitCode(error.code == .notFound ? 3 : 2)
    }
}
