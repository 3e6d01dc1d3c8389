import CXLedgerCore
import Foundation
import Testing

/// The benchmark binary as an operator runs it: its JSON line, and its respect for a held data directory.
@Suite(.serialized) struct BenchToolTests {
    static var benchBuilt: Bool {
        Harness.toolsBuilt && FileManager.default.isExecutableFile(atPath: Harness.tool("cxledger-bench"))
    }

    /// Runs the bench binary with `arguments` and reads the JSON object on its last line; it must exit 0.
    static func figures(_ arguments: [String], in scratch: HarnessDirectory,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let run = try Harness.run("cxledger-bench", arguments, scratch: scratch.path)
        #expect(run.status == 0, "\(run.output)", sourceLocation: sourceLocation)
        let line = try #require(run.output.split(separator: "\n").last.map(String.init), sourceLocation: sourceLocation)
        return try JSONParser.parse(Array(line.utf8))
    }

    /// The result lists three runs' events/s and reports the median one's.
    static func expectMedianOfThreeRuns(_ result: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let runs = (result["runsEventsPerSecond"]?.arrayValue ?? []).compactMap { $0.doubleValue }
        #expect(runs.count == 3 && result["runs"] == 3, sourceLocation: sourceLocation)
        let reported = try #require(result["eventsPerSecond"]?.doubleValue, sourceLocation: sourceLocation)
        // Rounded separately from the median run's own figure.
        #expect(abs(reported - runs.sorted()[1]) <= 1, "\(reported) against \(runs)", sourceLocation: sourceLocation)
    }

    @Test("append prints one JSON object with SPEC's keys and no errors",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func appendPrintsItsFigures() throws {
        let scratch = HarnessDirectory("bench-append")
        let result = try Self.figures(["append", "--events", "2000", "--batch", "500", "--json"], in: scratch)
        #expect(result["scenario"] == "append")
        #expect(result["events"] == 2000)
        #expect(result["errors"] == 0)
        #expect(result["commits"] == 4)
        #expect((result["eventsPerSecond"]?.doubleValue ?? 0) > 0)
        for key in ["p50Ms", "p99Ms", "maxMs", "seconds"] { #expect(result[key]?.doubleValue != nil, "\(key)") }
        #expect(result["randomIds"] == false)
        // Random version-4 ids: every one valid and distinct, or some would be refused or found already stored.
        let random = try Self.figures(["append", "--events", "2000", "--batch", "500", "--random-ids", "--json"], in: scratch)
        #expect(random["randomIds"] == true && random["events"] == 2000 && random["errors"] == 0)
    }

    @Test("rebuild reports the median of its runs over one generated log, with every run's figure",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func rebuildReportsTheMedianRun() throws {
        let scratch = HarnessDirectory("bench-rebuild")
        let result = try Self.figures(["rebuild", "--events", "3000", "--runs", "3", "--json"], in: scratch)
        #expect(result["scenario"] == "rebuild" && result["events"] == 3000 && result["errors"] == 0)
        try Self.expectMedianOfThreeRuns(result)
        let refused = try Harness.run("cxledger-bench", ["rebuild", "--events", "10", "--runs", "0"], scratch: scratch.path)
        #expect(refused.status != 0 && refused.output.contains("--runs must be at least 1"), "\(refused.output)")
    }

    @Test("decode reports the median of its passes over the events, with every pass's figure",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func decodeReportsTheMedianPass() throws {
        let scratch = HarnessDirectory("bench-decode")
        let result = try Self.figures(["decode", "--events", "1500", "--runs", "3", "--json"], in: scratch)
        #expect(result["scenario"] == "decode" && result["events"] == 1500 && result["errors"] == 0)
        try Self.expectMedianOfThreeRuns(result)
        #expect((result["averageEventBytes"]?.doubleValue ?? 0) > 200)
        let refused = try Harness.run("cxledger-bench", ["decode", "--events", "0"], scratch: scratch.path)
        #expect(refused.status != 0 && refused.output.contains("--events must be at least 1"), "\(refused.output)")
    }

    @Test("rebuild --data refuses a directory a server holds, naming its socket, and leaves it alone",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench and cxledger (swift build)"))
    func rebuildRespectsAHeldDirectory() async throws {
        let directory = HarnessDirectory("bench-held")
        let data = directory.sub("data"), socket = directory.sub("s.sock")
        let server = try await ServeChild.start(data: data, socket: socket, logDirectory: directory.path)
        let run = try Harness.run("cxledger-bench", ["rebuild", "--data", data, "--json"], scratch: directory.path)
        #expect(run.status != 0)
        #expect(run.output.contains("held by a running cxledger server"), "\(run.output)")
        #expect(run.output.contains(socket), "\(run.output)")
        #expect(await server.terminate() == 0)
    }

    @Test("ingest posts to a ledger it starts with either id shape, and no client's events are refused",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func ingestStoresEveryClientsEvents() throws {
        let scratch = HarnessDirectory("bench-ingest")
        // Four clients: with seeds taken as `seed | 1`, the second and third drew the same random ids.
        for randomIds in [false, true] {
            let result = try Self.figures(["ingest", "--clients", "4", "--seconds", "1", "--json"] + (randomIds ? ["--random-ids"] : []),
                                          in: scratch)
            #expect(result["scenario"] == "ingest" && result["randomIds"] == .bool(randomIds))
            #expect(result["errors"] == 0, "\(result)")
            #expect((result["events"]?.doubleValue ?? 0) > 0)
        }
    }

    @Test("a run whose requests are refused says why and exits non-zero",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func refusedRequestsFailTheRun() async throws {
        let scratch = HarnessDirectory("bench-refused")
        let server = try await ServeChild.start(data: scratch.sub("data"), socket: scratch.sub("rw.sock"), logDirectory: scratch.path,
                                                extra: ["--read-only-socket", scratch.sub("ro.sock")])
        defer { server.kill() }
        let run = try Harness.run("cxledger-bench", ["ingest", "--socket", scratch.sub("ro.sock"), "--clients", "2", "--seconds", "0.3",
                                                     "--json"], scratch: scratch.path)
        #expect(run.status != 0, "\(run.output)")
        #expect(run.output.contains("ingest: ") && run.output.contains(" errors, the first: 4"), "\(run.output)")
        #expect(run.output.contains("had errors; their figures do not count"), "\(run.output)")
    }

    @Test("ingest --floor posts to an HTTP server with no ledger and reports it as ingest-floor",
          .enabled(if: BenchToolTests.benchBuilt, "needs .build/debug/cxledger-bench (swift build)"))
    func ingestFloorRuns() throws {
        let scratch = HarnessDirectory("bench-floor")
        let result = try Self.figures(["ingest", "--floor", "--clients", "4", "--seconds", "1", "--json"], in: scratch)
        #expect(result["scenario"] == "ingest-floor")
        #expect(result["errors"] == 0)
        #expect((result["events"]?.doubleValue ?? 0) > 0)
        #expect(result["events"] == result["requests"])

        let refused = try Harness.run("cxledger-bench", ["ingest", "--floor", "--socket", scratch.sub("x.sock")],
                                      scratch: scratch.path)
        #expect(refused.status != 0)
        #expect(refused.output.contains("--floor starts its own server"), "\(refused.output)")
    }
}
