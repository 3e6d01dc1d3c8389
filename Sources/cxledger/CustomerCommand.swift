import ArgumentParser
import CXLedgerCore

/// `cxledger customer ID`: profile, counters and timeline (newest first) of one customer.
struct CustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer", abstract: "Show a customer's profile, counters and timeline.")

    @Argument(help: "The customer id.") var customerId: String
    @Option(help: "The data directory.") var data: String
    @Option(help: "Timeline entries per page.") var limit: Int = 50
    @Option(help: "Only timeline entries before this position (the nextBefore of the previous page).") var before: Int?
    @Flag(help: "Print the JSON of GET /v1/customers/{id}/history.") var json = false

    func run() throws {
        let ledger = try QueryLedger(data: data)
        let answer: JSONValue?
        do {
            let projection = try ledger.host.projection(CustomerHistoryProjection.self)
            answer = try ledger.log.read { txn in try projection.history(customerId, limit: limit, before: before, from: ledger.log, in: txn) }
        } catch let error as LedgerError {
            throw QueryLedger.fail(error)
        }
        guard let answer else { throw QueryLedger.fail(LedgerError(code: .notFound, message: "customer \(customerId) is unknown")) }
        if json {
            QueryLedger.printJSON(answer)
            return
        }
        var out = OutputBuffer()
        let p = answer["profile"], c = answer["counters"]
        out.line(TablePrinter.fields([
            ("customer", customerId), ("name", TablePrinter.cell(p?["name"])), ("segment", TablePrinter.cell(p?["segment"])),
            ("followers", TablePrinter.cell(p?["followers"])),
            ("cases", "\(TablePrinter.cell(c?["casesOpen"])) open, \(TablePrinter.cell(c?["casesClosed"])) closed"),
            ("escalations", TablePrinter.cell(c?["escalations"])),
            ("public complaints", TablePrinter.cell(c?["publicComplaints"])),
            ("repeat incidents", TablePrinter.cell(c?["repeatIncidents"])),
            ("disputed close-outs", TablePrinter.cell(c?["disputedCloseouts"])),
        ]))
        out.line("")
        var table = TablePrinter(["POS", "OCCURRED", "TYPE", "CASE", "CHANNEL", "SUMMARY"], rightAligned: [0])
        for e in answer["timeline"]?.arrayValue ?? [] {
            table.add(["position", "occurredAt", "type", "caseId", "channel", "summary"].map { TablePrinter.cell(e[$0]) })
        }
        out.line(table.render())
        if let next = answer["nextBefore"]?.intValue { out.line("more: --before \(next)") }
        out.flush()
    }
}
