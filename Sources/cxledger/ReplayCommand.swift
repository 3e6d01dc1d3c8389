import ArgumentParser
import CXLedgerCore

/// `cxledger replay`: the stored envelopes, one per line, each with its hash.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Print stored envelopes, one canonical JSON object per line.")

    @Option(help: "The data directory.") var data: String
    @Option(help: "First position.") var from: Int = 1
    @Option(help: "Last position.") var to: Int?
    @Option(help: "Only this customer's events.") var customer: String?
    @Option(name: .customLong("case"), help: "Only this case's events.") var caseId: String?
    @Option(help: "Only events of this type.") var type: String?

    func run() throws {
        let log = try EventLog(directory: data, options: .init(readOnly: true))
        let filter = EventFilter(type: type, customerId: customer, caseId: caseId)
        var out = OutputBuffer()
        try log.read { txn in
            try log.forEachEvent(from: from, to: to, in: txn) { event in
                if try filter.isEmpty || filter.matches(event.envelope()) { out.line(event.json) }
                return true
            }
        }
        out.flush()
    }
}
