@testable import CXLedgerCore
import Foundation
import Testing
@testable import CXLedgerServer

@Suite struct ReadTests {
    @Test func longPollReturnsWhenAnEventArrives() async throws {
        let running = try await RunningServer.start()
        _ = try await running.client().post("/v1/events", json: Events.profiled("early"))
        // The wait is far longer than the test may take: only the append can end it.
        let poll = Task { try await running.client().get("/v1/events?from=2&wait=120") }
        // Post only once the poll is parked on the notifier, so the append is what wakes it.
        await running.server.waitForLongPolls(1)
        let posted = try await running.client().post("/v1/events", json: Events.profiled("late"))
        #expect(posted.status == 201)
        let page = try await poll.value.json()
        let events = try #require(page["events"]?.arrayValue)
        #expect(events.count == 1)
        #expect(events.first?["customerId"] == "late")
        #expect(events.first?["position"] == 2)
        #expect(page["next"] == 3)
        try await running.stop()
    }

    @Test func longPollAnswersAnEmptyPageAfterItsTimeout() async throws {
        let running = try await RunningServer.start()
        _ = try await running.client().post("/v1/events", json: Events.profiled("only"))
        let page = try await running.client().get("/v1/events?from=2&wait=0.2").json()
        #expect(page == ["events": [], "next": 2])
        try await running.stop()
    }

    @Test func longPollWithAFilterSkipsOtherEvents() async throws {
        let running = try await RunningServer.start()
        let poll = Task { try await running.client().get("/v1/events?from=1&customerId=wanted&wait=120") }
        await running.server.waitForLongPolls(1)
        _ = try await running.client().post("/v1/events", json: Events.profiled("other"))
        _ = try await running.client().post("/v1/events", json: Events.profiled("wanted"))
        let page = try await poll.value.json()
        #expect(page["events"]?.arrayValue?.map { $0["customerId"] } == ["wanted"])
        #expect(page["next"] == 3)
        try await running.stop()
    }

    @Test func filtersAndPaging() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        _ = try await client.post("/v1/events", json: Events.batch([
            Events.profiled("A"), Events.opened("K1", customer: "A"), Events.profiled("B"),
            Events.caseEvent("case.assigned", caseId: "K1", customer: "A", data: ["owner": "ann"]),
        ]))
        let byCase = try await client.get("/v1/events?caseId=K1").json()
        #expect(byCase["events"]?.arrayValue?.map { $0["position"] } == [2, 4])
        let byType = try await client.get("/v1/events?type=customer.profiled&limit=1").json()
        #expect(byType["events"]?.arrayValue?.map { $0["position"] } == [1])
        #expect(byType["next"] == 2)
        let rest = try await client.get("/v1/events?type=customer.profiled&from=2").json()
        #expect(rest["events"]?.arrayValue?.map { $0["position"] } == [3])
        #expect(rest["next"] == 5)
        try await running.stop()
    }

    @Test func projectionQueriesAnswerOverTheSocket() async throws {
        let running = try await RunningServer.start { c, _ in c.now = Timestamp.parseDateTime("2026-04-11T00:00:00Z") }
        let client = running.client()
        let posted = try await client.post("/v1/events", json: Events.batch([
            Events.profiled("C1"), Events.opened("K1"),
            Events.caseEvent("case.escalated", caseId: "K1", data: ["level": 2, "reason": "loud"]),
        ]))
        #expect(posted.status == 201)
        let open = try await client.get("/v1/cases/open").json()
        #expect(open["cases"]?.arrayValue?.map { $0["caseId"] } == ["K1"])
        #expect(open["nextCursor"] == .null)
        let filtered = try await client.get("/v1/cases/open?minLevel=3").json()
        #expect(filtered["cases"]?.arrayValue?.isEmpty == true)
        let one = try await client.get("/v1/cases/K1").json()
        #expect(one["escalationLevel"] == 2)
        let past = try await client.get("/v1/cases/K1?asOf=2").json()
        #expect(past["escalationLevel"] == 0)
        #expect(try await client.get("/v1/cases/nope").status == 404)
        let related = try await client.get("/v1/cases/K1/related").json()
        #expect(related["caseId"] == "K1")
        let history = try await client.get("/v1/customers/C1/history").json()
        #expect(history["timeline"]?.arrayValue?.count == 3)
        #expect(try await client.get("/v1/customers/nobody/history").status == 404)
        let atRisk = try await client.get("/v1/at-risk?limit=5")
        #expect(atRisk.status == 200)
        #expect(try atRisk.json()["customers"]?.arrayValue != nil)
        let projections = try await client.get("/v1/projections").json()
        let names = projections["projections"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(Set(names) == Set(ProjectionCatalog.all.map { $0.name }))
        #expect(projections["projections"]?.arrayValue?.allSatisfy { $0["lag"] == 0 && $0["state"] == "live" } == true)
        try await running.stop()
    }

    @Test func rebuildThroughTheServerKeepsAnswering() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        _ = try await client.post("/v1/events", json: Events.batch([Events.profiled("C1"), Events.opened("K1")]))
        let before = try await client.get("/v1/cases/open").json()
        let started = try await client.send("POST", "/v1/projections/open-cases/rebuild")
        #expect(started.status == 202)
        #expect(try await client.send("POST", "/v1/projections/nope/rebuild").status == 404)
        await running.server.waitForRebuilds()
        let after = try await client.get("/v1/cases/open").json()
        #expect(after == before)
        let status = try await client.get("/v1/projections").json()
        let openCases = status["projections"]?.arrayValue?.first { $0["name"] == "open-cases" }
        #expect(openCases?["state"] == "live")
        #expect(openCases?["checkpoint"] == 2)
        try await running.stop()
    }

    @Test("a rebuild of repeat-incidents shows its dependents rebuilding too, and a request for one of them meanwhile starts nothing")
    func dependentsShowAsRebuilding() async throws {
        let running = try await RunningServer.start()
        let client = running.client()
        _ = try await client.post("/v1/events", json: Events.batch([Events.profiled("C1"), Events.opened("K1")]))
        // Held by a thread of the test, the host's turn keeps the rebuild from starting its work until the states
        // are read (a pthread mutex is unlocked by the thread that locked it, so not by this task).
        let holder = await ReadTestsLockHolder.holding(running.server.host.rebuildLock)
        let started = try await client.send("POST", "/v1/projections/repeat-incidents/rebuild").json()
        #expect(started["started"] == true)
        let again = try await client.send("POST", "/v1/projections/customer-history/rebuild").json()
        #expect(again["started"] == false)
        let during = try await client.get("/v1/projections").json()
        func states(_ status: JSONValue) -> [String: String] {
            Dictionary(uniqueKeysWithValues: (status["projections"]?.arrayValue ?? []).compactMap { p in
                p["name"]?.stringValue.map { ($0, p["state"]?.stringValue ?? "") }
            })
        }
        #expect(states(during) == ["open-cases": "live", "repeat-incidents": "rebuilding",
                                   "customer-history": "rebuilding", "at-risk": "rebuilding"])
        holder.release()
        await running.server.waitForRebuilds()
        let after = try await client.get("/v1/projections").json()
        #expect(Set(states(after).values) == ["live"])
        for name in ["repeat-incidents", "customer-history", "at-risk"] {
            #expect(try running.server.host.status(of: name)?.generation == 2, "\(name)")
        }
        try await running.stop()
    }
}

/// Holds a lock on a thread of its own until released.
final class ReadTestsLockHolder: Sendable {
    private let released = DispatchSemaphore(value: 0)

    static func holding(_ lock: NSLock) async -> ReadTestsLockHolder {
        let holder = ReadTestsLockHolder()
        await withCheckedContinuation { (locked: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                lock.lock()
                locked.resume()
                holder.released.wait()
                lock.unlock()
            }
        }
        return holder
    }

    func release() { released.signal() }
}
