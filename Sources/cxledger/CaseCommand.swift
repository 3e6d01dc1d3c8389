import ArgumentParser
import CXLedgerCore

/// `cxledger case ID`: one case (closed ones too), optionally as the ledger knew it earlier, or its related cases.
struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Show one case, as of now or an earlier position or time, or its related cases.")

    @Argument(help: "The case id.") var caseId: String
    @Option(help: "The data directory.") var data: String
    @Option(help: "A position, or an RFC 3339 time compared with recordedAt.") var asOf: String?
    @Flag(help: "Show the repeat-incident links instead (GET /v1/cases/{id}/related).") var related = false
    @Option(help: "Judge breaches at this RFC 3339 time instead of the wall clock.") var now: String?
    @Flag(help: "Print the JSON of the socket API.") var json = false

    func run() throws {
        let now = try QueryLedger.now(self.now)
        var moment: CaseTimeTravel.Moment?
        if let asOf {
            guard let m = CaseTimeTravel.Moment(asOf) else {
                throw ValidationError("--as-of must be a position (1 or more) or an RFC 3339 date-time")
            }
            moment = m
        }
        let ledger = try QueryLedger(data: data)
        let answer: JSONValue?
        do {
            if related {
                let projection = try ledger.host.projection(RepeatIncidentsProjection.self)
                answer = try ledger.log.read { txn in try projection.related(caseId, in: txn) }
            } else if let moment {
                let projection = try ledger.host.projection(OpenCasesProjection.self)
                answer = try ledger.log.read { txn in
                    try CaseTimeTravel.state(caseId, asOf: moment, now: now, log: ledger.log, openCases: projection, in: txn)
                }
            } else {
                let projection = try ledger.host.projection(OpenCasesProjection.self)
                answer = try ledger.log.read { txn in try projection.caseView(caseId, now: now, in: txn) }
            }
        } catch let error as LedgerError {
            throw QueryLedger.fail(error)
        }
        guard let answer else {
            throw QueryLedger.fail(LedgerError(code: .notFound, message: moment == nil
                ? "case \(caseId) is unknown" : "case \(caseId) was not opened as of \(asOf ?? "")"))
        }
        if json {
            QueryLedger.printJSON(answer)
            return
        }
        var out = OutputBuffer()
        if related {
            out.line("case \(caseId)")
            var table = TablePrinter(["RELATED CASE", "STATUS", "RELATION", "BASIS"])
            for l in answer["links"]?.arrayValue ?? [] {
                let basis = l["basis"].flatMap { b -> String? in
                    guard let c = b["category"]?.stringValue else { return nil }
                    return "same category \(c), earlier case " + (b["relatedClosedAt"]?.stringValue.map { "closed \($0)" } ?? "open")
                } ?? "linked by a person"
                table.add([TablePrinter.cell(l["relatedCaseId"]), TablePrinter.cell(l["status"]),
                           TablePrinter.cell(l["relation"]), basis])
            }
            out.line(answer["links"]?.arrayValue?.isEmpty == false ? table.render() : "(holds no links)")
            out.line("later repeats: " + TablePrinter.cell(answer["laterRepeats"]).replacingDash("none"))
        } else {
            if let asOf { out.line("as of \(asOf)") }
            let order = ["caseId", "customerId", "segment", "category", "severity", "status", "escalationLevel", "owner",
                         "openedAt", "lastActivityAt", "closedAt", "closeReason", "firstResponseAt", "firstResponseDueAt",
                         "resolutionDueAt", "firstResponseBreached", "resolutionBreached", "reopenCount", "unmetCriteria",
                         "repeatOf", "templateRepeats"]
            out.line(TablePrinter.fields(order.map { ($0, TablePrinter.cell(answer[$0])) }))
        }
        out.flush()
    }
}

extension String {
    func replacingDash(_ s: String) -> String { self == "-" ? s : self }
}
