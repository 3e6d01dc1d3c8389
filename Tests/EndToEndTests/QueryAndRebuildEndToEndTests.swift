import CXLedgerCore
import Foundation
import Testing

// End to end on the sample story with the built binaries: the query commands (tables and JSON), time travel,
// and cxledger-rebuild (rebuild, --check, bad names). `swift build --build-tests` builds both tools first.
// Helpers are prefixed `qr` to stay clear of the other end-to-end files.

private let qrPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private let qrStory = qrPackageRoot.appendingPathComponent("Tools/sample/story.ndjson").path

/// The clock the queries judge breaches against.
private let qrNow = "2026-04-22T12:00:00Z"

private struct QRFailure: Error, CustomStringConvertible {
    var description: String
}

/// A built tool: `$CXLEDGER_BINARY` / `$CXLEDGER_REBUILD_BINARY`, else `.build/<configuration>/<name>`.
private func qrTool(_ name: String) throws -> String {
    let path = Harness.tool(name)
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw QRFailure(description: "\(name) is missing at \(path); run `swift build --build-tests` before `swift test`, "
            + "or set CXLEDGER_BINARY / CXLEDGER_REBUILD_BINARY")
    }
    return path
}

/// A temporary directory, removed when released.
private final class QRDirectory: Sendable {
    let path: String
    init(_ label: String) {
        path = NSTemporaryDirectory() + "cxledger-qr-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func sub(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private struct QRResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(status == 0, "exit \(status): \(stderr)", sourceLocation: sourceLocation)
        return try JSONParser.parse(Array(out.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
    }
}

/// Runs a tool to completion with its output in files (never a terminal, so the rebuild tool prints plain lines).
private func qrRun(_ tool: String, _ arguments: [String], in dir: QRDirectory) throws -> QRResult {
    let tag = UUID().uuidString
    let outPath = dir.sub("stdout-\(tag)"), errPath = dir.sub("stderr-\(tag)")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try qrTool(tool))
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return QRResult(status: process.terminationStatus,
                    stdout: try [UInt8](Data(contentsOf: URL(fileURLWithPath: outPath))),
                    stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
}

private func qrLedger(_ arguments: [String], in dir: QRDirectory) throws -> QRResult { try qrRun("cxledger", arguments, in: dir) }
private func qrRebuild(_ arguments: [String], in dir: QRDirectory) throws -> QRResult { try qrRun("cxledger-rebuild", arguments, in: dir) }

/// The story's lines (each one event) and their parsed envelopes.
private func qrStoryLines() throws -> [String] {
    try String(contentsOfFile: qrStory, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}

/// Appends the first `count` lines of the story (all by default) into `data`.
private func qrAppendStory(_ data: String, lines count: Int? = nil, in dir: QRDirectory,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let lines = try qrStoryLines()
    let take = count ?? lines.count
    let file = dir.sub("story-\(take).ndjson")
    try Data((lines.prefix(take).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
    let append = try qrLedger(["append", "--data", data, file], in: dir)
    #expect(append.status == 0, "\(append.stderr)", sourceLocation: sourceLocation)
    #expect(append.out == "appended \(take) events, 0 already present\n", sourceLocation: sourceLocation)
}

private func qrKeys(_ v: JSONValue?) -> Set<String> {
    if case .object(let members)? = v { return Set(members.keys) }
    return []
}

/// SPEC's fields of a case.
private let qrCaseFields: Set<String> = [
    "caseId", "customerId", "segment", "category", "severity", "status", "escalationLevel", "owner", "openedAt",
    "lastActivityAt", "closedAt", "closeReason", "firstResponseAt", "firstResponseDueAt", "resolutionDueAt",
    "firstResponseBreached", "resolutionBreached", "reopenCount", "unmetCriteria", "repeatOf", "templateRepeats",
]

/// A table cell as the query commands print it.
private func qrCell(_ v: JSONValue?) -> String {
    switch v {
    case nil, .null?: return "-"
    case .string(let s)?: return s
    case .number(let d)?: return d == d.rounded() ? String(Int(d)) : String(d)
    case .bool(let b)?: return b ? "yes" : "no"
    default: return "?"
    }
}

/// Checks that `cases`' table puts every cell of every row under its header: left-aligned columns start where
/// their header starts, right-aligned (numeric) ones end where theirs ends.
private func qrExpectAlignedCasesTable(_ lines: [String], cases: [JSONValue],
                                       sourceLocation: SourceLocation = #_sourceLocation) {
    let headers = ["CASE", "CUSTOMER", "SEGMENT", "CATEGORY", "SEV", "STATUS", "LVL", "OWNER", "OPENED",
                   "DUE (FIRST/RESOLUTION)", "BREACHED", "REOPENED", "FORM"]
    let fields: [Int: String] = [0: "caseId", 1: "customerId", 2: "segment", 3: "category", 4: "severity", 5: "status",
                                 6: "escalationLevel", 7: "owner", 8: "openedAt", 11: "reopenCount", 12: "templateRepeats"]
    let rightAligned: Set<Int> = [4, 6, 11, 12]
    guard lines.count >= cases.count + 1 else {
        Issue.record("the table has \(lines.count) lines for \(cases.count) cases", sourceLocation: sourceLocation)
        return
    }
    let header = Array(lines[0])
    var starts: [Int] = []
    var from = 0
    for h in headers {
        let text = Array(h)
        guard let at = (from...max(from, header.count - text.count)).first(where: { i in
            i + text.count <= header.count && Array(header[i..<i + text.count]) == text
        }) else {
            Issue.record("header \(h) missing from \(lines[0])", sourceLocation: sourceLocation)
            return
        }
        starts.append(at)
        from = at + text.count
    }
    let table = Array(lines[0...cases.count])
    // The last column is right-aligned, so every line of the table has the same length.
    #expect(Set(table.map(\.count)).count == 1, "ragged table:\n\(table.joined(separator: "\n"))", sourceLocation: sourceLocation)
    for (row, c) in zip(table.dropFirst(), cases) {
        let chars = Array(row)
        for (column, field) in fields.sorted(by: { $0.key < $1.key }) {
            let cell = Array(qrCell(c[field]))
            let begin = rightAligned.contains(column) ? starts[column] + headers[column].count - cell.count : starts[column]
            let end = begin + cell.count
            guard begin >= 0, end <= chars.count else {
                Issue.record("column \(headers[column]) out of \(row)", sourceLocation: sourceLocation)
                continue
            }
            #expect(Array(chars[begin..<end]) == cell, "column \(headers[column]) of \(row)", sourceLocation: sourceLocation)
            #expect(begin == 0 || chars[begin - 1] == " ", "column \(headers[column]) of \(row)", sourceLocation: sourceLocation)
            #expect(end == chars.count || chars[end] == " ", "column \(headers[column]) of \(row)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Queries and cxledger-rebuild end to end on the sample story", .serialized)
struct QueryAndRebuildEndToEndTests {
    @Test("append the story → cases, customer, related, as-of, at-risk → rebuild all → check → same answers")
    func storyQueriesAndRebuild() throws {
        let dir = QRDirectory("story")
        let data = dir.sub("data")
        let story = try qrStoryLines()
        let envelopes = try story.map { try JSONParser.parse(Array($0.utf8)) }
        try qrAppendStory(data, in: dir)

        // cases: an aligned table, and JSON with every SPEC field (null where no value).
        let casesJSON = try qrLedger(["cases", "--data", data, "--now", qrNow, "--json"], in: dir).json()
        #expect(qrKeys(casesJSON) == ["cases", "nextCursor"])
        #expect(casesJSON["nextCursor"] == .null)
        let cases = try #require(casesJSON["cases"]?.arrayValue)
        #expect(cases.map { qrCell($0["caseId"]) } ==
            ["case-nordic-billing-1", "case-corner-books-refund", "case-pat-login", "case-acme-invoice"])
        for c in cases {
            #expect(qrKeys(c) == qrCaseFields, "\(c)")
            #expect(c["closedAt"] == .null && c["closeReason"] == .null && c["status"] == "open", "\(c)")
        }
        let pat = try #require(cases.first { $0["caseId"] == "case-pat-login" })
        #expect(pat["owner"] == .null && pat["firstResponseAt"] == .null && pat["repeatOf"] == .null)
        #expect(pat["unmetCriteria"] == [])
        #expect(pat["firstResponseBreached"] == true)
        #expect(cases.first { $0["caseId"] == "case-corner-books-refund" }?["templateRepeats"] == 4)
        let casesTable = try qrLedger(["cases", "--data", data, "--now", qrNow], in: dir)
        #expect(casesTable.status == 0, "\(casesTable.stderr)")
        #expect(casesTable.stderr.isEmpty, "\(casesTable.stderr)")
        qrExpectAlignedCasesTable(casesTable.lines, cases: cases)
        #expect(casesTable.lines.last == "4 cases")

        // customer: profile, counters and a timeline of every event about them, newest first.
        let acme = try qrLedger(["customer", "acme-logistics", "--data", data, "--json"], in: dir).json()
        #expect(qrKeys(acme) == ["customerId", "profile", "counters", "timeline", "nextBefore"])
        #expect(acme["profile"] == ["name": "Acme Logistics", "segment": "vip", "followers": 8200])
        let acmeEvents = envelopes.enumerated().filter { $0.element["customerId"] == "acme-logistics" }
        #expect(acme["counters"] == [
            "casesOpen": 1, "casesClosed": 1, "publicComplaints": 0, "repeatIncidents": 0, "disputedCloseouts": 1,
            "escalations": .number(Double(acmeEvents.filter { $0.element["type"] == "case.escalated" }.count)),
        ])
        let timeline = try #require(acme["timeline"]?.arrayValue)
        #expect(timeline.compactMap { $0["position"]?.intValue } == acmeEvents.map { $0.offset + 1 }.reversed())
        for entry in timeline {
            #expect(qrKeys(entry) == ["position", "occurredAt", "type", "caseId", "channel", "summary"], "\(entry)")
            let envelope = envelopes[(entry["position"]?.intValue ?? 1) - 1]
            #expect(entry["type"] == envelope["type"])
            #expect(entry["caseId"] == (envelope["caseId"] ?? .null))
        }
        #expect(timeline.contains { $0["channel"] == .null } && timeline.contains { $0["channel"] != .null })
        #expect(acme["nextBefore"] == .null)
        let customerTable = try qrLedger(["customer", "acme-logistics", "--data", data], in: dir)
        #expect(customerTable.status == 0 && customerTable.out.contains("Acme Logistics"), "\(customerTable.stderr)")

        // related: a repeat confirmed as separate but similar, and one rejected.
        let confirmed = try qrLedger(["case", "case-nordic-delivery-2", "--related", "--data", data, "--json"], in: dir).json()
        let confirmedLinks = try #require(confirmed["links"]?.arrayValue)
        #expect(confirmedLinks.count == 1)
        #expect(qrKeys(confirmedLinks.first) == ["relatedCaseId", "status", "relation", "basis"])
        #expect(confirmedLinks.first?["relatedCaseId"] == "case-nordic-delivery-1")
        #expect(confirmedLinks.first?["status"] == "confirmed")
        #expect(confirmedLinks.first?["relation"] == "separate_similar")
        #expect(confirmedLinks.first?["basis"]?["category"] == "delivery")
        let rejected = try qrLedger(["case", "case-nordic-billing-2", "--related", "--data", data, "--json"], in: dir).json()
        let rejectedLinks = try #require(rejected["links"]?.arrayValue)
        #expect(rejectedLinks.count == 1)
        #expect(rejectedLinks.first?["relatedCaseId"] == "case-nordic-billing-1")
        #expect(rejectedLinks.first?["status"] == "rejected")
        #expect(rejectedLinks.first?["relation"] == "not_related")
        #expect(rejectedLinks.first?["basis"]?["category"] == "billing")
        let earlier = try qrLedger(["case", "case-nordic-delivery-1", "--related", "--data", data, "--json"], in: dir).json()
        #expect(earlier["laterRepeats"] == ["case-nordic-delivery-2"])
        #expect(earlier["links"] == [])
        let relatedTable = try qrLedger(["case", "case-nordic-delivery-2", "--related", "--data", data], in: dir)
        #expect(relatedTable.out.contains("separate_similar") && relatedTable.out.contains("confirmed"))

        // as-of: the state at a position equals the state of a ledger holding only the story up to it.
        for (caseId, position) in [("case-acme-scanners", 36), ("case-nordic-delivery-2", 61), ("case-acme-scanners", 21)] {
            let past = try qrLedger(["case", caseId, "--as-of", String(position), "--data", data, "--now", qrNow, "--json"],
                                    in: dir).json()
            let prefix = dir.sub("prefix-\(position)")
            try qrAppendStory(prefix, lines: position, in: dir)
            let then = try qrLedger(["case", caseId, "--data", prefix, "--now", qrNow, "--json"], in: dir).json()
            #expect(past == then, "\(caseId) as of \(position)")
            #expect(qrKeys(past) == qrCaseFields)
            let current = try qrLedger(["case", caseId, "--data", data, "--now", qrNow, "--json"], in: dir).json()
            #expect(past != current, "\(caseId) as of \(position) is just its current state")
        }
        let disputed = try qrLedger(["case", "case-acme-scanners", "--as-of", "36", "--data", data, "--now", qrNow, "--json"],
                                    in: dir).json()
        #expect(disputed["status"] == "open" && disputed["reopenCount"] == 1 && disputed["closedAt"] == .null)
        let beforeOpening = try qrLedger(["case", "case-acme-scanners", "--as-of", "20", "--data", data, "--json"], in: dir)
        #expect(beforeOpening.status != 0)
        #expect(beforeOpening.stderr.contains("not opened as of 20"), "\(beforeOpening.stderr)")

        // at-risk: every customer carries its score and reasons; the story's signals are all there.
        let risk = try qrLedger(["at-risk", "--data", data, "--json"], in: dir).json()
        let ranked = try #require(risk["customers"]?.arrayValue)
        for c in ranked { #expect(qrKeys(c) == ["customerId", "score", "reasons"], "\(c)") }
        let scores = ranked.compactMap { $0["score"]?.doubleValue }
        #expect(scores.count == ranked.count && zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 })
        func signals(_ customer: String) -> Set<String> {
            Set(ranked.first { $0["customerId"]?.stringValue == customer }?["reasons"]?.arrayValue?
                .compactMap { $0["signal"]?.stringValue } ?? [])
        }
        #expect(signals("jane-rivera").contains("public_negative"))
        #expect(signals("acme-logistics").contains("disputed_closeouts"))
        #expect(signals("corner-books").contains("form_letter_loops"))
        #expect(signals("nordic-foods").contains("repeat_incidents"))
        #expect(ranked.first?["customerId"] == "jane-rivera")

        // Everything the queries answer, to compare after the rebuild.
        let queries: [[String]] = [
            ["cases", "--data", data, "--now", qrNow, "--json"], ["cases", "--data", data, "--now", qrNow],
            ["cases", "--data", data, "--now", qrNow, "--breached", "--json"],
            ["customer", "acme-logistics", "--data", data, "--json"], ["customer", "nordic-foods", "--data", data],
            ["customer", "jane-rivera", "--data", data, "--json"],
            ["case", "case-nordic-delivery-2", "--related", "--data", data, "--json"],
            ["case", "case-nordic-billing-2", "--related", "--data", data, "--json"],
            ["case", "case-acme-scanners", "--as-of", "36", "--data", data, "--now", qrNow, "--json"],
            ["case", "case-acme-scanners", "--data", data, "--now", qrNow], ["at-risk", "--data", data, "--json"],
            ["at-risk", "--data", data],
        ]
        func answers() throws -> [[UInt8]] {
            try queries.map { q in
                let r = try qrLedger(q, in: dir)
                #expect(r.status == 0 && r.stderr.isEmpty, "\(q): \(r.stderr)")
                return r.stdout
            }
        }
        let before = try answers()

        // Rebuild everything: exit 0, one line per projection, plain progress lines (not a terminal).
        let rebuild = try qrRebuild(["--data", data, "all"], in: dir)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.lines == ProjectionCatalog.all.map { "\($0.name): rebuilt to position \(story.count) (generation 2)" })
        let progress = rebuild.stderr.split(separator: "\n").map(String.init)
        #expect(!progress.isEmpty)
        #expect(progress.allSatisfy { $0.contains("events (") && $0.contains("events/s") }, "\(rebuild.stderr)")
        #expect(progress.last?.contains("\(story.count)/\(story.count) events (100.0%)") == true, "\(rebuild.stderr)")
        #expect(progress.last?.hasSuffix("done") == true, "\(rebuild.stderr)")
        #expect(!rebuild.stderr.contains("\r") && !rebuild.stderr.contains("█"), "a progress bar on a file: \(rebuild.stderr)")

        let check = try qrRebuild(["--data", data, "all", "--check"], in: dir)
        #expect(check.status == 0, "\(check.out)\(check.stderr)")
        #expect(check.lines == ProjectionCatalog.all.map { "\($0.name): no difference from a fresh rebuild" })

        #expect(try answers() == before)

        // One projection alone moves on to its next generation; the others stay.
        let one = try qrRebuild(["--data", data, "repeat-incidents"], in: dir)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.lines == ["repeat-incidents: rebuilt to position \(story.count) (generation 3)"])
        let checkOne = try qrRebuild(["--data", data, "repeat-incidents", "--check"], in: dir)
        #expect(checkOne.status == 0 && checkOne.lines == ["repeat-incidents: no difference from a fresh rebuild"],
                "\(checkOne.out)\(checkOne.stderr)")
        #expect(try answers() == before)

        // The rebuilt ledger still takes appends, and its projections follow them.
        let appendAgain = try qrLedger(["append", "--data", data, qrStory], in: dir)
        #expect(appendAgain.out == "appended 0 events, \(story.count) already present\n", "\(appendAgain.stderr)")
        #expect(try qrRebuild(["--data", data, "all", "--check"], in: dir).status == 0)
    }

    @Test("cxledger-rebuild refuses an unknown projection and a directory without a ledger, with a clear message")
    func badArguments() throws {
        let dir = QRDirectory("bad")
        let data = dir.sub("data")
        try qrAppendStory(data, lines: 20, in: dir)

        let unknown = try qrRebuild(["--data", data, "nosuch"], in: dir)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown projection nosuch"), "\(unknown.stderr)")
        for type in ProjectionCatalog.all { #expect(unknown.stderr.contains(type.name), "\(unknown.stderr)") }
        let unknownCheck = try qrRebuild(["--data", data, "nosuch", "--check"], in: dir)
        #expect(unknownCheck.status != 0 && unknownCheck.stderr.contains("unknown projection nosuch"))

        let neither = try qrRebuild(["all"], in: dir)
        #expect(neither.status != 0 && neither.stderr.contains("--data"), "\(neither.stderr)")

        // A mistyped directory is not turned into an empty ledger that "rebuilds" fine.
        let missing = dir.sub("no-such-ledger")
        let typo = try qrRebuild(["--data", missing, "all"], in: dir)
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("no ledger in \(missing)"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        let typoCheck = try qrRebuild(["--data", missing, "all", "--check"], in: dir)
        #expect(typoCheck.status != 0 && typoCheck.stderr.contains("no ledger"))
        #expect(!FileManager.default.fileExists(atPath: missing))

        // Nothing of this touched the real ledger.
        let check = try qrRebuild(["--data", data, "all", "--check"], in: dir)
        #expect(check.status == 0, "\(check.out)\(check.stderr)")
    }
}
