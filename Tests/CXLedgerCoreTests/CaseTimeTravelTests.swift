import Testing
@testable import CXLedgerCore

@Suite("Case time travel")
struct CaseTimeTravelTests {
    @Test func stateAtEveryPositionEqualsTheLiveStateObservedThen() throws {
        let l = try ProjectionFixtureLedger()
        // Occurred times in 2024 and a `now` before every recordedAt, so breaches are judged at `now` both ways.
        let now = "2024-03-01T00:00:00Z"
        try l.append("sla.policy_set", at: "2024-01-01T00:00:00Z", projectionFixturePolicy("vip", nil, minutes: 60, hours: 24))
        try l.append("customer.profiled", customer: "ada", at: "2024-01-01T00:00:00Z", ["segment": "vip"])
        var observed: [(Int, JSONValue)] = []
        func step(_ type: String, _ time: String, _ data: JSONValue) throws {
            let p = try l.append(type, customer: "ada", caseId: "tt", at: time, data)
            observed.append((p, try #require(try l.caseView("tt", now: now))))
            // Unrelated events in between must not matter.
            try l.append("interaction.recorded", customer: "ada", at: time, ["channel": "chat", "direction": "inbound"])
        }
        try step("case.opened", "2024-02-01T10:00:00Z", projectionFixtureOpening())
        try step("case.assigned", "2024-02-01T10:05:00Z", ["owner": "kim"])
        try step("interaction.recorded", "2024-02-01T12:00:00Z", ["channel": "email", "direction": "outbound", "templateId": "t1"])
        try step("case.escalated", "2024-02-01T13:00:00Z", ["level": 2, "reason": "vip"])
        try step("case.plan_agreed", "2024-02-01T14:00:00Z", ["successCriteria": [["id": "c1", "text": "a"], ["id": "c2", "text": "b"]]])
        try step("case.criterion_met", "2024-02-01T15:00:00Z", ["criterionId": "c1"])
        try step("case.resolution_proposed", "2024-02-01T16:00:00Z", ["resolution": "r"])
        try step("case.closeout_disputed", "2024-02-01T17:00:00Z", ["reason": "no"])
        try step("case.criterion_met", "2024-02-01T18:00:00Z", ["criterionId": "c2"])
        try step("case.resolution_proposed", "2024-02-03T16:00:00Z", ["resolution": "r2"])
        try step("case.closeout_accepted", "2024-02-03T17:00:00Z", ["by": "ada"])
        try step("case.reopened", "2024-02-04T17:00:00Z", ["reason": "again"])
        try step("case.closed", "2024-02-05T17:00:00Z", ["reason": "withdrawn"])

        for (position, live) in observed {
            let travelled = try l.asOf("tt", .position(position), now: now)
            #expect(travelled == live, "position \(position)")
            // The position just after (an unrelated event) gives the same state.
            #expect(try l.asOf("tt", .position(position + 1), now: now) == live)
        }
        // Before the opening, the case did not exist yet; far beyond the head it is the current state.
        #expect(try l.asOf("tt", .position(observed[0].0 - 1), now: now) == nil)
        #expect(try l.asOf("tt", .position(1_000_000), now: now) == observed.last!.1)
        #expect(try l.asOf("unknown", .position(1), now: now) == nil)
    }

    @Test func byTimeAndJudgedAtThatMoment() throws {
        let l = try ProjectionFixtureLedger()
        // A 1-minute first-response promise on a case opened long ago: by wall-clock time it is breached.
        try l.append("sla.policy_set", at: "2024-01-01T00:00:00Z", projectionFixturePolicy("vip", nil, minutes: 1, hours: 1))
        try l.append("customer.profiled", customer: "ada", at: "2024-01-01T00:00:00Z", ["segment": "vip"])
        let opened = try l.append("case.opened", customer: "ada", caseId: "t", at: "2024-01-01T00:00:00Z", projectionFixtureOpening())
        let recordedAt = try l.log.read { txn in try l.log.storedEvent(at: opened, in: txn)!.recorded().recordedAt }
        try l.append("case.closed", customer: "ada", caseId: "t", at: "2024-01-01T00:30:00Z", ["reason": "resolved"])
        // At its recordedAt the case was open, and (judged then, since now is later) breached long ago.
        let atTime = try #require(try l.asOf("t", .time(recordedAt), now: "2030-01-01T00:00:00Z"))
        #expect(atTime["status"] == "open" || atTime["status"] == "closed")
        #expect(atTime["firstResponseBreached"] == true)
        // Before anything was recorded, the ledger knew nothing of it.
        #expect(try l.asOf("t", .time(projectionFixtureTime("2020-01-01T00:00:00Z")), now: "2030-01-01T00:00:00Z") == nil)
        // Where now is earlier than the moment, breaches are judged at now.
        let early = try #require(try l.asOf("t", .position(opened), now: "2024-01-01T00:00:30Z"))
        #expect(early["status"] == "open" && early["firstResponseBreached"] == false && early["resolutionBreached"] == false)
        let closed = try #require(try l.asOf("t", .position(opened + 1), now: "2030-01-01T00:00:00Z"))
        #expect(closed["status"] == "closed" && closed["resolutionBreached"] == false)
        #expect(CaseTimeTravel.Moment("12") == .position(12))
        #expect(CaseTimeTravel.Moment("0") == nil && CaseTimeTravel.Moment("yesterday") == nil)
        #expect(CaseTimeTravel.Moment("2026-01-01T00:00:00Z") == .time(projectionFixtureTime("2026-01-01T00:00:00Z")))
    }
}
