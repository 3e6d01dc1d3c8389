import CXLedgerCore
import CXLedgerServer
import Foundation
import Testing

// Crash safety: the real `cxledger serve` under concurrent load is killed with SIGKILL at a random
// moment, restarted, and every acknowledged append must be there, at its acknowledged position.
//
// Short mode: 20 rounds. Long mode: CXLEDGER_CRASH_ROUNDS=500 swift test --filter CrashSafetyTests
// CXLEDGER_CRASH_SEED=<n> replays a run's kill delays and event mix.

/// Events for one client of one round: its own customer and its own cases, so every lifecycle is valid.
private struct CrashWorkload {
    let customer: String
    let casePrefix: String
    var rng: SeededGenerator
    var cases: [String] = []
    var nextCase = 0

    static let occurredAt: JSONValue = "2026-04-10T10:00:00Z"

    func event(_ type: String, caseId: String? = nil, data: JSONValue) -> JSONValue {
        var e: [String: JSONValue] = ["id": .string(UUID().uuidString.lowercased()), "type": .string(type),
                                      "customerId": .string(customer), "occurredAt": Self.occurredAt, "data": data,
                                      "source": "crash-suite"]
        if let caseId { e["caseId"] = .string(caseId) }
        return .object(e)
    }

    func interaction(caseId: String?) -> JSONValue {
        event("interaction.recorded", caseId: caseId,
              data: ["channel": "email", "direction": "inbound", "public": false, "summary": "still waiting"])
    }

    mutating func newCase() -> (String, JSONValue) {
        nextCase += 1
        let id = "\(casePrefix)-\(nextCase)"
        return (id, event("case.opened", caseId: id,
                          data: ["category": "billing", "channel": "phone", "severity": 2, "summary": "double charge"]))
    }

    /// The next request: the events it carries, and the cases they open (known once acknowledged).
    mutating func nextRequest() -> (events: [JSONValue], opens: [String]) {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:
            return ([event("customer.profiled", data: ["segment": "vip", "name": "Ada"])], [])
        case 1:
            return ([interaction(caseId: nil)], [])
        case 2:
            let (id, opened) = newCase()
            return ([opened], [id])
        case 3:
            // An atomic batch: a new case with its first steps.
            let (id, opened) = newCase()
            var events = [opened, interaction(caseId: id),
                          event("case.assigned", caseId: id, data: ["owner": "agent-7", "team": "billing"])]
            if Bool.random(using: &rng) {
                events.append(event("case.escalated", caseId: id, data: ["level": 1, "reason": "vip", "kind": "functional"]))
            }
            return (events, [id])
        case 4:
            // A batch of independent events.
            let count = Int.random(in: 2...5, using: &rng)
            return ((0..<count).map { _ in interaction(caseId: cases.randomElement(using: &rng)) }, [])
        default:
            guard let id = cases.randomElement(using: &rng) else { return ([interaction(caseId: nil)], []) }
            return ([interaction(caseId: id)], [])
        }
    }
}

/// What one client saw in one round.
private struct CrashClientOutcome: Sendable {
    /// Acknowledged (id, position) pairs.
    var acknowledged: [(id: String, position: Int)] = []
    /// The request in flight when the server died, if any: it may or may not be stored.
    var inFlight: [UInt8]?
    var inFlightIds: [String] = []
    var unexpected: [String] = []
}

@Suite("Crash safety: SIGKILL under load", .serialized)
struct CrashSafetyTests {
    @Test("every acknowledged append survives SIGKILL at a random moment, with a gap-free, verifiable log",
          .enabled(if: Harness.toolsBuilt, "needs .build/debug/cxledger and cxledger-rebuild (swift build --build-tests)"),
          .timeLimit(.minutes(60)))
    func killAndRestartUnderLoad() async throws {
        let rounds = ProcessInfo.processInfo.environment["CXLEDGER_CRASH_ROUNDS"].flatMap(Int.init) ?? 20
        let seed = SeededGenerator.seed(from: "CXLEDGER_CRASH_SEED")
        print("crash-safety: seed \(seed) (CXLEDGER_CRASH_SEED=\(seed) replays it), \(rounds) rounds")
        var rng = SeededGenerator(seed: seed)
        let clients = 8

        let directory = HarnessDirectory("crash")
        let data = directory.sub("data")
        let socket = directory.sub("s.sock")

        /// storedIds[p - 1] is the id stored at position p, as read after a restart.
        var storedIds: [String] = []
        var knownIds: Set<String> = []
        /// Acknowledged but not yet compared with a read of the log.
        var unchecked: [(id: String, position: Int)] = []
        var acknowledgedChecked = 0
        var retried = 0
        var retriedAlreadyStored = 0

        var server = try await ServeChild.start(data: data, socket: socket, logDirectory: directory.path)
        for round in 0..<rounds {
            // Load: every client posts until the server dies under it.
            let delay = Int.random(in: 50...400, using: &rng)
            let seeds = (0..<clients).map { _ in rng.next() }
            let killed = server
            let outcomes = try await withThrowingTaskGroup(of: CrashClientOutcome.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        await Self.client(socket: socket, round: round, index: c, seed: seeds[c])
                    }
                }
                try await Task.sleep(for: .milliseconds(delay))
                killed.kill()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for o in outcomes {
                for message in o.unexpected { Issue.record("round \(round): \(message)") }
                unchecked += o.acknowledged
            }

            // The data directory as the crash left it: the chain verifies and the projections match a rebuild.
            let verify = try Harness.run("cxledger", ["verify", "--data", data], scratch: directory.path)
            #expect(verify.status == 0, "round \(round): verify after SIGKILL failed:\n\(verify.output)")
            let check = try Harness.run("cxledger-rebuild", ["--data", data, "all", "--check"], scratch: directory.path)
            #expect(check.status == 0, "round \(round): cxledger-rebuild all --check found differences:\n\(check.output)")

            // Restart over the stale socket file and the released lock.
            server = try await ServeChild.start(data: data, socket: socket, logDirectory: directory.path)
            let client = UnixSocketHTTPClient(socketPath: socket)
            let fresh = try await harnessReadLog(client, from: storedIds.count + 1)
            for event in fresh {
                let expected = storedIds.count + 1
                guard event.position == expected else {
                    Issue.record("round \(round): position \(event.position) follows \(expected - 1): the log has a gap")
                    break
                }
                if !knownIds.insert(event.id).inserted {
                    Issue.record("round \(round): id \(event.id) is stored twice (again at \(event.position))")
                }
                storedIds.append(event.id)
            }
            let head = try await client.get("/v1/audit/head").json()["position"]?.intValue
            #expect(head == storedIds.count, "round \(round): head \(head ?? -1) but \(storedIds.count) events read")
            for ack in unchecked {
                let stored = ack.position >= 1 && ack.position <= storedIds.count ? storedIds[ack.position - 1] : nil
                #expect(stored == ack.id, "round \(round): acknowledged \(ack.id) at \(ack.position), found \(stored ?? "nothing")")
            }
            acknowledgedChecked += unchecked.count
            unchecked = []

            // Retry what was in flight at the kill: stored once, with its original position if it made it.
            for o in outcomes {
                guard let body = o.inFlight else { continue }
                retried += 1
                let answer = try await client.send("POST", "/v1/events", body: body)
                guard answer.status == 200 || answer.status == 201,
                      let events = try answer.json()["events"]?.arrayValue, events.count == o.inFlightIds.count else {
                    Issue.record("round \(round): retry after restart answered \(answer.status): \(answer.text)")
                    continue
                }
                if answer.status == 200 { retriedAlreadyStored += 1 }
                for (id, e) in zip(o.inFlightIds, events) {
                    guard let p = e["position"]?.intValue, e["id"]?.stringValue == id else {
                        Issue.record("round \(round): retry answer does not name \(id): \(e)")
                        continue
                    }
                    if answer.status == 200 {
                        #expect(p <= storedIds.count && storedIds[p - 1] == id,
                                "round \(round): retry of stored \(id) answered position \(p) where it is not")
                    }
                    unchecked.append((id, p))
                }
            }
            client.close()
        }

        // The end: a graceful stop, then the log read directly must be exactly what was read over the socket.
        let client = UnixSocketHTTPClient(socketPath: socket)
        let tail = try await harnessReadLog(client, from: storedIds.count + 1)
        for event in tail {
            #expect(event.position == storedIds.count + 1, "position \(event.position) after \(storedIds.count): a gap")
            #expect(knownIds.insert(event.id).inserted, "id \(event.id) is stored twice")
            storedIds.append(event.id)
        }
        client.close()
        let status = await server.terminate()
        #expect(status == 0, "graceful stop exited \(status):\n\(server.log.suffix(2000))")
        for ack in unchecked {
            #expect(ack.position <= storedIds.count && storedIds[ack.position - 1] == ack.id,
                    "acknowledged \(ack.id) at \(ack.position) is missing")
        }
        acknowledgedChecked += unchecked.count

        let log = try EventLog(directory: data, options: .init(readOnly: true))
        let all = try log.events(from: 1)
        #expect(all.map(\.position) == (0..<all.count).map { $0 + 1 }, "the log read directly has a gap")
        #expect(all.count == storedIds.count, "the log holds \(all.count) events, \(storedIds.count) were read over the socket")
        var directIds: Set<String> = []
        for (event, id) in zip(all, storedIds) {
            let storedId = try event.envelope()["id"]?.stringValue
            #expect(storedId == id, "position \(event.position) holds \(storedId ?? "?"), the socket said \(id)")
            if let storedId { directIds.insert(storedId) }
        }
        #expect(directIds.count == all.count, "an id is stored twice")
        #expect(try LogVerifier.verify(log).isValid)
        let verify = try Harness.run("cxledger", ["verify", "--data", data], scratch: directory.path)
        #expect(verify.status == 0, "final verify failed:\n\(verify.output)")
        let check = try Harness.run("cxledger-rebuild", ["--data", data, "all", "--check"], scratch: directory.path)
        #expect(check.status == 0, "final cxledger-rebuild all --check found differences:\n\(check.output)")

        #expect(acknowledgedChecked > rounds, "too few acknowledged appends to prove anything")
        print("crash-safety: \(rounds) rounds, \(acknowledgedChecked) acknowledged events checked at their positions, "
              + "\(storedIds.count) events stored, \(retried) in-flight requests retried after restart "
              + "(\(retriedAlreadyStored) had been stored before the kill), seed \(seed)")
    }

    /// One client: posts its own events until the server stops answering.
    private static func client(socket: String, round: Int, index: Int, seed: UInt64) async -> CrashClientOutcome {
        var outcome = CrashClientOutcome()
        var workload = CrashWorkload(customer: "crash-\(round)-\(index)", casePrefix: "case-\(round)-\(index)",
                                     rng: SeededGenerator(seed: seed))
        let client = UnixSocketHTTPClient(socketPath: socket)
        defer { client.close() }
        while true {
            let (events, opens) = workload.nextRequest()
            let body = CanonicalJSON.encode(events.count == 1 ? events[0] : ["events": .array(events)])
            let ids = events.compactMap { $0["id"]?.stringValue }
            var answer: UnixSocketHTTPClient.Response
            repeat {
                do {
                    answer = try await client.send("POST", "/v1/events", body: body)
                } catch {
                    // The server is gone; this request was not answered.
                    outcome.inFlight = body
                    outcome.inFlightIds = ids
                    return outcome
                }
                if answer.status == 503 { try? await Task.sleep(for: .milliseconds(5)) }
            } while answer.status == 503
            guard answer.status == 201,
                  let stored = try? answer.json()["events"]?.arrayValue, stored.count == ids.count else {
                outcome.unexpected.append("client \(index): \(answer.status) \(answer.text.prefix(300))")
                return outcome
            }
            for (id, e) in zip(ids, stored) {
                guard e["id"]?.stringValue == id, let p = e["position"]?.intValue else {
                    outcome.unexpected.append("client \(index): the answer does not name \(id): \(e)")
                    return outcome
                }
                outcome.acknowledged.append((id, p))
            }
            workload.cases += opens
        }
    }
}
