import ArgumentParser
import CXLedgerCore
import Foundation

/// `cxledger at-risk`: the customers most likely to take a complaint public, highest score first.
struct AtRiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at-risk", abstract: "List the customers most at risk of going public, highest score first.")

    @Option(help: "The data directory.") var data: String
    @Option(help: "How many customers.") var limit: Int = 50
    @Flag(help: "Print the JSON of GET /v1/at-risk.") var json = false

    func run() throws {
        let ledger = try QueryLedger(data: data)
        let answer: JSONValue
        do {
            let projection = try ledger.host.projection(AtRiskProjection.self)
            answer = try ledger.log.read { txn in try projection.top(limit: limit, in: txn) }
        } catch let error as LedgerError {
            throw QueryLedger.fail(error)
        }
        if json {
            QueryLedger.printJSON(answer)
            return
        }
        var table = TablePrinter(["#", "CUSTOMER", "SCORE", "REASONS"], rightAligned: [0, 2])
        for (i, c) in (answer["customers"]?.arrayValue ?? []).enumerated() {
            let score = c["score"]?.doubleValue.map { String(format: "%.2f", $0) } ?? "-"
            table.add([String(i + 1), TablePrinter.cell(c["customerId"]), score,
                       (c["reasons"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "; ")])
        }
        var out = OutputBuffer()
        out.line(table.rows.isEmpty ? "(no customer shows a risk signal)" : table.render())
        out.flush()
    }
}
