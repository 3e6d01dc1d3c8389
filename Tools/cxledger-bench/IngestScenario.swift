import ArgumentParser
import CXLedgerCore
import CXLedgerServer
import Foundation
import Synchronization

/// `ingest`: many clients posting over the Unix socket; events/s and acknowledgement latency.
struct IngestScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest",
                                                    abstract: "Clients posting events over the socket (starts a server when no --socket).")

    @Option(help: "A running server's socket; without it a server is started on a fresh ledger.") var socket: String?
    @Option(help: "Concurrent clients, one connection each.") var clients: Int = 64
    @Option(help: "Events per request (1 posts single event objects).") var batch: Int = 1
    @Option(help: "How long to post.") var seconds: Double = 10
    @Option(help: "Also report events/s per window of this many seconds, to see whether throughput holds up over a long run.")
    var window: Double = 10
    @Flag(help: "Post to an HTTP server with no ledger behind it instead: the most this machine's HTTP stack acknowledges.")
    var floor = false
    @Flag(help: "Random version-4 event ids instead of time-ordered ones.") var randomIds = false
    @Flag(help: "One JSON object.") var json = false

    func validate() throws {
        guard window > 0 else { throw ValidationError("--window must be more than 0 seconds") }
        guard !(floor && socket != nil) else { throw ValidationError("--floor starts its own server; leave out --socket") }
    }

    func run() async throws {
        try await Self.measure(socket: socket, clients: clients, batch: batch, seconds: seconds, window: window, floor: floor,
                               randomIds: randomIds)
            .print(json: json)
        try BenchResult.failIfAnyErrors()
    }

    /// With `floor`, the clients post to `http-floor-server` (no ledger) and the result's scenario is `ingest-floor`.
    static func measure(socket: String?, clients: Int, batch: Int, seconds: Double, window: Double = 10,
                        floor: Bool = false, randomIds: Bool = false) async throws -> BenchResult {
        var server: ChildServer?
        var path = socket
        if path == nil {
            let started = try await ChildServer.start(floor: floor ? batch : nil)
            server = started
            path = started.socket
        }
        defer { server?.stop() }
        let socketPath = path!
        let deadline = monotonicSeconds() + seconds
        let start = monotonicSeconds()
        let results = try await withThrowingTaskGroup(of: ClientTally.self) { group in
            for c in 0..<clients {
                group.addTask { try await runClient(c, socket: socketPath, batch: batch, randomIds: randomIds, from: start, until: deadline) }
            }
            var all: [ClientTally] = []
            for try await t in group { all.append(t) }
            return all
        }
        let elapsed = monotonicSeconds() - start
        var result = BenchResult(scenario: floor ? "ingest-floor" : "ingest", events: results.reduce(0) { $0 + $1.events }, seconds: elapsed,
                                 latenciesMs: results.flatMap { $0.latenciesMs })
        result.errors = results.reduce(0) { $0 + $1.errors }
        result.extra = ["clients": .number(Double(clients)), "batch": .number(Double(batch)),
                        "requests": .number(Double(result.latenciesMs.count)),
                        "server": .string(floor ? "HTTP only, no ledger" : socket == nil ? "started by the benchmark" : socketPath)]
        // Acknowledged events per window: a server that slows down as it runs (state that grows with every
        // commit) shows as falling windows long before it shows in the average.
        // A run shorter than one window is one window as long as the run.
        let width = min(window, elapsed)
        let windows = max(1, Int((elapsed / width).rounded(.down)))
        var perWindow = [Int](repeating: 0, count: windows)
        for tally in results {
            for ack in tally.acks where ack.at < Double(windows) * width {
                perWindow[min(Int(ack.at / width), windows - 1)] += ack.events
            }
        }
        let rates = perWindow.map { Double($0) / width }
        result.extra["randomIds"] = .bool(randomIds)
        if let firstError = results.lazy.compactMap(\.firstError).first { result.extra["firstError"] = .string(firstError) }
        result.extra["windowSeconds"] = .number((width * 1000).rounded() / 1000)
        result.extra["windowEventsPerSecond"] = .array(rates.map { .number($0.rounded()) })
        if let first = rates.first, first > 0, let last = rates.last {
            result.extra["lastToFirstWindow"] = .number((last / first * 100).rounded() / 100)
        }
        return result
    }

    private struct ClientTally: Sendable {
        var events = 0
        var errors = 0
        /// The first refusal's status and answer, so that a run whose requests failed says why.
        var firstError: String?
        var latenciesMs: [Double] = []
        /// When each acknowledged request was answered (seconds since the run began) and how many events it stored.
        var acks: [(at: Double, events: Int)] = []
    }

    private static func runClient(_ index: Int, socket: String, batch: Int, randomIds: Bool,
                                  from start: Double, until deadline: Double) async throws -> ClientTally {
        let client = UnixSocketHTTPClient(socketPath: socket)
        defer { client.close() }
        var generator = SyntheticEvents(seed: UInt64(index + 1), randomIds: randomIds)
        let tag = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        var tally = ClientTally()
        var next = 0
        while monotonicSeconds() < deadline {
            var lines: [String] = []
            for _ in 0..<batch {
                lines.append(generator.line(next, runTag: tag))
                next += 1
            }
            let body = batch == 1 ? lines[0] : "{\"events\":[" + lines.joined(separator: ",") + "]}"
            let t0 = monotonicSeconds()
            let answer = try await client.send("POST", "/v1/events", body: Array(body.utf8))
            let t1 = monotonicSeconds()
            tally.latenciesMs.append((t1 - t0) * 1000)
            if answer.status == 201 || answer.status == 200 {
                tally.events += batch
                tally.acks.append((t1 - start, batch))
            } else {
                tally.errors += 1
                if tally.firstError == nil { tally.firstError = "\(answer.status) \(answer.text.prefix(300))" }
            }
        }
        return tally
    }
}

/// `cxledger serve` started from the binary beside this one, on a fresh ledger (or, for `--floor`, this binary's
/// `http-floor-server`).
final class ChildServer: Sendable {
    let process: Process
    let directory: String
    let socket: String

    private init(process: Process, directory: String, socket: String) {
        self.process = process
        self.directory = directory
        self.socket = socket
    }

    /// `floor`: start `http-floor-server` answering requests of that many events, instead of the ledger.
    static func start(floor: Int? = nil) async throws -> ChildServer {
        let this = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = floor != nil ? this.path : this.deletingLastPathComponent().appendingPathComponent("cxledger").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError(floor != nil ? "cannot find this binary (\(binary)) to start the floor server"
                                               : "no cxledger binary beside cxledger-bench at \(binary); build it, or pass --socket")
        }
        let dir = try benchDirectory("ingest")
        let socket = dir + "/cxledger.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = floor.map { ["http-floor-server", "--socket", socket, "--events-per-request", String($0)] }
            ?? ["serve", "--data", dir + "/data", "--socket", socket, "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = ChildServer(process: process, directory: dir, socket: socket)
        let probe = UnixSocketHTTPClient(socketPath: socket)
        defer { probe.close() }
        for _ in 0..<200 {
            if let answer = try? await probe.get("/v1/health"), answer.status == 200 { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ValidationError("the server did not start on \(socket)")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
