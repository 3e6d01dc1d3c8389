import ArgumentParser
import CXLedgerCore

/// `cxledger cases`: the cases not closed, most urgent first, with SPEC's filters and paging.
struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "List open cases, most urgent first.")

    @Option(help: "The data directory.") var data: String
    @Option(help: "Only cases at this escalation level or above.") var minLevel: Int?
    @Option(help: "Only cases of customers in this segment (at opening).") var segment: String?
    @Flag(help: "Only cases with a breached first response or resolution.") var breached = false
    @Option(help: "Only cases opened more than this many hours ago.") var olderThanHours: Double?
    @Option(help: "Only cases with this owner.") var owner: String?
    @Option(help: "Only this customer's cases.") var customer: String?
    @Option(help: "Cases per page.") var limit: Int = OpenCasesFilter.defaultLimit
    @Option(help: "The cursor printed with the previous page.") var cursor: String?
    @Option(help: "Judge breaches at this RFC 3339 time instead of the wall clock.") var now: String?
    @Flag(help: "Print the JSON of GET /v1/cases/open.") var json = false

    func run() throws {
        let now = try QueryLedger.now(self.now)
        let ledger = try QueryLedger(data: data)
        let filter = OpenCasesFilter(minLevel: minLevel, segment: segment, breached: breached, olderThanHours: olderThanHours,
                                     owner: owner, customerId: customer, limit: limit, cursor: cursor)
        let page: (cases: [JSONValue], nextCursor: String?)
        do {
            let projection = try ledger.host.projection(OpenCasesProjection.self)
            page = try ledger.log.read { txn in try projection.list(filter: filter, now: now, in: txn) }
        } catch let error as LedgerError {
            throw QueryLedger.fail(error)
        }
        if json {
            QueryLedger.printJSON(.object(["cases": .array(page.cases), "nextCursor": page.nextCursor.map { .string($0) } ?? .null]))
            return
        }
        var table = TablePrinter(["CASE", "CUSTOMER", "SEGMENT", "CATEGORY", "SEV", "STATUS", "LVL", "OWNER", "OPENED",
                                  "DUE (FIRST/RESOLUTION)", "BREACHED", "REOPENED", "FORM"], rightAligned: [4, 6, 11, 12])
        for c in page.cases {
            let fr = c["firstResponseBreached"]?.boolValue == true, res = c["resolutionBreached"]?.boolValue == true
            table.add([
                TablePrinter.cell(c["caseId"]), TablePrinter.cell(c["customerId"]), TablePrinter.cell(c["segment"]),
                TablePrinter.cell(c["category"]), TablePrinter.cell(c["severity"]), TablePrinter.cell(c["status"]),
                TablePrinter.cell(c["escalationLevel"]), TablePrinter.cell(c["owner"]), TablePrinter.cell(c["openedAt"]),
                (c["firstResponseAt"]?.isNull == false ? "answered" : TablePrinter.cell(c["firstResponseDueAt"])) + " / "
                    + TablePrinter.cell(c["resolutionDueAt"]),
                [fr ? "first" : nil, res ? "resolution" : nil].compactMap { $0 }.joined(separator: "+").ifEmpty("-"),
                TablePrinter.cell(c["reopenCount"]), TablePrinter.cell(c["templateRepeats"]),
            ])
        }
        var out = OutputBuffer()
        out.line(table.render())
        out.line(page.cases.isEmpty ? "(no open cases match)" : "\(page.cases.count) case\(page.cases.count == 1 ? "" : "s")")
        if let next = page.nextCursor { out.line("more: --cursor \(next)") }
        out.flush()
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
