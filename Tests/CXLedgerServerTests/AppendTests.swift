import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

@Suite struct AppendTests {
    @Test("JSON bodies are accepted under any spelling of the media type, parameters included")
    func mediaTypeSpellings() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        for (n, type) in ["application/json", "application/json; charset=utf-8", "Application/JSON",
                          "application/json ;charset=UTF-8", "APPLICATION/JSON"].enumerated() {
            let body = CanonicalJSON.encode(Events.profiled("media-\(n)"))
            let answer = try await client.send("POST", "/v1/events", body: body, contentType: type)
            #expect(answer.status == 201, "\(type): \(answer.text)")
        }
        for type in ["application/jsonx", "text/json", "application/json-seq"] {
            let answer = try await client.send("POST", "/v1/events", body: CanonicalJSON.encode(Events.profiled("no")),
                                               contentType: type)
            #expect(answer.status == 415, "\(type): \(answer.text)")
        }
        #expect(try running.server.log.head().position == 5)
        client.close()
        try await running.stop()
    }

    @Test func concurrentClientsGetUniqueGapFreePositionsAndShareCommits() async throws {
        let running = try await RunningServer.start()
        let clients = 64, perClient = 50
        let positions = try await withThrowingTaskGroup(of: [Int].self) { group in
            for c in 0..<clients {
                group.addTask {
                    let client = running.client()
                    var mine: [Int] = []
                    for n in 0..<perClient {
                        let answer = try await client.post("/v1/events",
                                                           json: Events.profiled("cust-\(c)-\(n)", id: Events.id(n, salt: c + 1)))
                        #expect(answer.status == 201, "\(answer.text)")
                        if let p = try answer.json()["events"]?.arrayValue?.first?["position"]?.intValue { mine.append(p) }
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(positions.count == clients * perClient)
        #expect(positions.sorted() == Array(1...(clients * perClient)))

        // The log holds exactly those events, in order, and its chain verifies.
        let client = running.client()
        var seen: [Int] = []
        var from = 1
        while true {
            let page = try await client.get("/v1/events?from=\(from)&limit=1000").json()
            let events = try #require(page["events"]?.arrayValue)
            if events.isEmpty { break }
            seen += events.compactMap { $0["position"]?.intValue }
            from = try #require(page["next"]?.intValue)
        }
        #expect(seen == Array(1...(clients * perClient)))
        let report = try LogVerifier.verify(running.server.log)
        #expect(report.isValid)
        #expect(report.head.position == clients * perClient)

        // Group commit coalesced requests: some commit carried more than one event.
        let metrics = try await client.get("/metrics").text
        let commits = try #require(metricValue(metrics, "cxledger_commit_events_count"))
        let singleEventCommits = try #require(metricValue(metrics, "cxledger_commit_events_bucket{le=\"1.0\"}"))
        #expect(commits > singleEventCommits, "every commit carried one event:\n\(metrics)")
        #expect(metricValue(metrics, "cxledger_events_appended_total") == Double(clients * perClient))
        try await running.stop()
    }

    @Test func retriedRequestGetsOriginalPositionsAndVersionConflictIs409() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        let batch = Events.batch([Events.profiled("A", id: Events.id(1)), Events.profiled("B", id: Events.id(2))])
        let first = try await client.post("/v1/events", json: batch)
        #expect(first.status == 201)
        let retry = try await client.post("/v1/events", json: batch)
        #expect(retry.status == 200)
        #expect(try retry.json() == first.json())
        #expect(try await headPosition(client) == 2)

        // The same id with other content is an id_conflict.
        let changed = try await client.post("/v1/events", json: Events.profiled("other", id: Events.id(1)))
        #expect(changed.status == 409)
        #expect(changed.errorCode == "id_conflict")

        // customer-A is at version 1: expecting 0 conflicts, expecting 1 appends.
        var stale = Events.profiled("A")
        if case .object(var o) = stale { o["expectedVersion"] = 0; stale = .object(o) }
        let conflict = try await client.post("/v1/events", json: stale)
        #expect(conflict.status == 409)
        #expect(conflict.errorCode == "version_conflict")
        #expect(conflict.errorField == "expectedVersion")
        if case .object(var o) = stale { o["expectedVersion"] = 1; stale = .object(o) }
        let fresh = try await client.post("/v1/events", json: stale)
        #expect(fresh.status == 201)
        #expect(try fresh.json()["events"]?.arrayValue?.first?["streamVersion"]?.intValue == 2)
        #expect(try await headPosition(client) == 3)
        try await running.stop()
    }

    @Test func fullQueueAnswers503WithRetryAfterAndWritesOnlyWhatItAcknowledged() async throws {
        // A queue of one event: concurrent requests beyond it are refused rather than buffered.
        let running = try await RunningServer.start { c, _ in c.groupCommitLimit = 1 }
        let answers = try await withThrowingTaskGroup(of: [UnixSocketHTTPClient.Response].self) { group in
            for c in 0..<32 {
                group.addTask {
                    let client = running.client()
                    var mine: [UnixSocketHTTPClient.Response] = []
                    for n in 0..<10 {
                        mine.append(try await client.post("/v1/events", json: Events.profiled("q\(c)-\(n)")))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        var acknowledged = 0
        for answer in answers {
            if answer.status == 201 {
                acknowledged += 1
            } else {
                #expect(answer.status == 503, "\(answer.text)")
                #expect(answer.errorCode == "unavailable")
                #expect(answer.headers["retry-after"] != nil)
            }
        }
        #expect(try await headPosition(running.client()) == acknowledged)
        try await running.stop()
    }

    @Test func streamsAuditHeadAndHealth() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        let emptyHead = try await client.get("/v1/audit/head").json()
        #expect(emptyHead == ["position": 0, "hash": .string(String(repeating: "0", count: 64))])
        _ = try await client.post("/v1/events", json: Events.batch([Events.opened("K1"), Events.profiled("C1")]))
        let stream = try await client.get("/v1/streams/case-K1")
        #expect(stream.status == 200)
        #expect(try stream.json()["stream"] == "case-K1")
        #expect(try stream.json()["events"]?.arrayValue?.count == 1)
        let unknown = try await client.get("/v1/streams/case-nope")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "not_found")
        let health = try await client.get("/v1/health").json()
        #expect(health["position"] == 2)
        let head = try await client.get("/v1/audit/head").json()
        let last = try await client.get("/v1/events?from=2").json()["events"]?.arrayValue?.first
        #expect(head["hash"] == last?["hash"])
        try await running.stop()
    }
}

/// The value of one sample line (`name{labels} value`) of Prometheus text.
func metricValue(_ text: String, _ sample: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
        return Double(line.dropFirst(sample.count + 1))
    }
    return nil
}
