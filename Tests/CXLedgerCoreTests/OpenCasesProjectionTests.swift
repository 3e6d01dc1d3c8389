import Testing
@testable import CXLedgerCore

@Suite("Open-cases projection")
struct OpenCasesProjectionTests {
    /// vip: phone 30 min / 24 h, segment-wide 60 min / 48 h; standard: none.
    private func policies(_ l: ProjectionFixtureLedger) throws {
        try l.append("sla.policy_set", at: "2026-01-01T00:00:00Z", projectionFixturePolicy("vip", "phone", minutes: 30, hours: 24))
        try l.append("sla.policy_set", at: "2026-01-01T00:00:00Z", projectionFixturePolicy("vip", nil, minutes: 60, hours: 48))
        try l.append("customer.profiled", customer: "ada", at: "2026-01-01T00:00:00Z", ["name": "Ada", "segment": "vip"])
        try l.append("customer.profiled", customer: "bob", at: "2026-01-01T00:00:00Z", ["segment": "standard"])
    }

    @Test func everyFieldIsPresentAndSLAComesFromSegmentAndChannel() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "ada", caseId: "c-phone", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "c-email", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "email"))
        try l.append("case.opened", customer: "bob", caseId: "c-none", at: "2026-02-01T10:00:00Z", projectionFixtureOpening())

        let phone = try #require(try l.caseView("c-phone", now: "2026-02-01T10:10:00Z"))
        #expect(Set(phone.objectValue!.keys) == projectionFixtureCaseFields)
        #expect(phone["segment"] == "vip")
        #expect(phone["firstResponseDueAt"] == "2026-02-01T10:30:00Z")
        #expect(phone["resolutionDueAt"] == "2026-02-02T10:00:00Z")
        #expect(phone["firstResponseBreached"] == false)
        #expect(phone["owner"] == .null && phone["closedAt"] == .null && phone["closeReason"] == .null)
        #expect(phone["firstResponseAt"] == .null && phone["repeatOf"] == .null)
        #expect(phone["unmetCriteria"] == [] && phone["templateRepeats"] == 0 && phone["reopenCount"] == 0)
        #expect(phone["status"] == "open" && phone["escalationLevel"] == 0 && phone["severity"] == 2)

        let email = try #require(try l.caseView("c-email", now: "2026-02-01T10:10:00Z"))
        #expect(email["firstResponseDueAt"] == "2026-02-01T11:00:00Z")
        #expect(email["resolutionDueAt"] == "2026-02-03T10:00:00Z")

        let none = try #require(try l.caseView("c-none", now: "2027-01-01T00:00:00Z"))
        #expect(Set(none.objectValue!.keys) == projectionFixtureCaseFields)
        #expect(none["segment"] == "standard")
        #expect(none["firstResponseDueAt"] == .null && none["resolutionDueAt"] == .null)
        #expect(none["firstResponseBreached"] == false && none["resolutionBreached"] == false)
    }

    @Test func firstResponseBreachedAndNot() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "ada", caseId: "fast", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "slow", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "silent", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        // An inbound message is not a response.
        try l.append("interaction.recorded", customer: "ada", caseId: "fast", at: "2026-02-01T10:05:00Z", ["channel": "email", "direction": "inbound"])
        try l.append("interaction.recorded", customer: "ada", caseId: "fast", at: "2026-02-01T10:20:00Z", ["channel": "email", "direction": "outbound"])
        try l.append("interaction.recorded", customer: "ada", caseId: "slow", at: "2026-02-01T10:45:00Z", ["channel": "email", "direction": "outbound"])
        // An earlier response recorded later still counts as the first.
        try l.append("interaction.recorded", customer: "ada", caseId: "fast", at: "2026-02-01T10:10:00Z", ["channel": "phone", "direction": "outbound"])

        let now = "2026-02-01T11:00:00Z"
        let fast = try #require(try l.caseView("fast", now: now))
        #expect(fast["firstResponseAt"] == "2026-02-01T10:10:00Z")
        #expect(fast["firstResponseBreached"] == false)
        #expect(fast["lastActivityAt"] == "2026-02-01T10:20:00Z")
        let slow = try #require(try l.caseView("slow", now: now))
        #expect(slow["firstResponseBreached"] == true)
        let silent = try #require(try l.caseView("silent", now: "2026-02-01T10:29:00Z"))
        #expect(silent["firstResponseBreached"] == false)
        #expect(try l.caseView("silent", now: "2026-02-01T10:31:00Z")?["firstResponseBreached"] == true)
        // Exactly at the due time is not late.
        #expect(try l.caseView("silent", now: "2026-02-01T10:30:00Z")?["firstResponseBreached"] == false)
    }

    @Test func resolutionBreachedAndNot() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "ada", caseId: "in-time", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "late", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "open", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.closed", customer: "ada", caseId: "in-time", at: "2026-02-02T09:00:00Z", ["reason": "resolved"])
        try l.append("case.closed", customer: "ada", caseId: "late", at: "2026-02-02T11:00:00Z", ["reason": "withdrawn"])

        let later = "2026-03-01T00:00:00Z"
        let inTime = try #require(try l.caseView("in-time", now: later))
        #expect(inTime["resolutionBreached"] == false)
        #expect(inTime["status"] == "closed" && inTime["closedAt"] == "2026-02-02T09:00:00Z" && inTime["closeReason"] == "resolved")
        let late = try #require(try l.caseView("late", now: later))
        #expect(late["resolutionBreached"] == true && late["closeReason"] == "withdrawn")
        #expect(try l.caseView("open", now: "2026-02-02T09:59:00Z")?["resolutionBreached"] == false)
        #expect(try l.caseView("open", now: "2026-02-02T10:01:00Z")?["resolutionBreached"] == true)
        // Closed cases leave the list but keep their record.
        let listed = try l.list(OpenCasesFilter(), now: later).cases.map { $0["caseId"] }
        #expect(listed == ["open"])
    }

    @Test func policyIsTheLastOneBeforeOpeningAndSegmentIsFixedAtOpening() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "ada", caseId: "before", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("sla.policy_set", at: "2026-02-01T10:01:00Z", projectionFixturePolicy("vip", "phone", minutes: 5, hours: 2))
        try l.append("case.opened", customer: "ada", caseId: "after", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("customer.profiled", customer: "ada", at: "2026-02-01T11:00:00Z", ["segment": "standard"])
        try l.append("case.opened", customer: "ada", caseId: "now-standard", at: "2026-02-01T12:00:00Z", projectionFixtureOpening(channel: "phone"))

        let before = try #require(try l.caseView("before", now: "2026-02-01T10:00:00Z"))
        #expect(before["firstResponseDueAt"] == "2026-02-01T10:30:00Z" && before["segment"] == "vip")
        let after = try #require(try l.caseView("after", now: "2026-02-01T10:00:00Z"))
        #expect(after["firstResponseDueAt"] == "2026-02-01T10:05:00Z" && after["resolutionDueAt"] == "2026-02-01T12:00:00Z")
        let standard = try #require(try l.caseView("now-standard", now: "2026-02-01T12:00:00Z"))
        #expect(standard["segment"] == "standard" && standard["resolutionDueAt"] == .null)
    }

    @Test func fieldsFollowTheCaseStream() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        let c = "c1"
        try l.append("case.opened", customer: "ada", caseId: c, at: "2026-02-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.assigned", customer: "ada", caseId: c, at: "2026-02-01T10:01:00Z", ["owner": "agent-7"])
        try l.append("case.recategorized", customer: "ada", caseId: c, at: "2026-02-01T10:02:00Z", ["category": "outage", "severity": 1, "reason": "wider"])
        try l.append("case.escalated", customer: "ada", caseId: c, at: "2026-02-01T10:03:00Z", ["level": 3, "reason": "vip"])
        try l.append("case.deescalated", customer: "ada", caseId: c, at: "2026-02-01T10:04:00Z", ["level": 2, "justification": "plan"])
        let v = try #require(try l.caseView(c, now: "2026-02-01T10:05:00Z"))
        #expect(v["owner"] == "agent-7" && v["category"] == "outage" && v["severity"] == 1 && v["escalationLevel"] == 2)
        #expect(v["lastActivityAt"] == "2026-02-01T10:04:00Z")
        try l.append("case.returned_to_sop", customer: "ada", caseId: c, at: "2026-02-01T12:00:00Z", ["justification": "done"])
        let closed = try #require(try l.caseView(c, now: "2026-02-01T13:00:00Z"))
        #expect(closed["closeReason"] == "returned_to_sop" && closed["escalationLevel"] == 2 && closed["status"] == "closed")
    }

    @Test func disputeReopensAndCounts() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        let c = "vip-1"
        try l.append("case.opened", customer: "ada", caseId: c, at: "2026-02-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.plan_agreed", customer: "ada", caseId: c, at: "2026-02-01T11:00:00Z",
                     ["successCriteria": [["id": "refund", "text": "refund"], ["id": "apology", "text": "apology"], ["id": "fix", "text": "fix"]]])
        try l.append("case.criterion_met", customer: "ada", caseId: c, at: "2026-02-01T12:00:00Z", ["criterionId": "refund"])
        #expect(try l.caseView(c, now: "2026-02-02T00:00:00Z")?["unmetCriteria"] == ["apology", "fix"])
        try l.append("case.resolution_proposed", customer: "ada", caseId: c, at: "2026-02-01T13:00:00Z", ["resolution": "refunded"])
        #expect(try l.caseView(c, now: "2026-02-02T00:00:00Z")?["status"] == "resolution_proposed")
        try l.append("case.closeout_disputed", customer: "ada", caseId: c, at: "2026-02-01T14:00:00Z",
                     ["reason": "no apology", "unmetCriteria": ["apology"]])
        let disputed = try #require(try l.caseView(c, now: "2026-02-02T00:00:00Z"))
        #expect(disputed["status"] == "open" && disputed["reopenCount"] == 1 && disputed["closedAt"] == .null)
        #expect(try l.list(OpenCasesFilter(), now: "2026-02-02T00:00:00Z").cases.count == 1)
        try l.append("case.criterion_met", customer: "ada", caseId: c, at: "2026-02-01T15:00:00Z", ["criterionId": "apology"])
        try l.append("case.criterion_met", customer: "ada", caseId: c, at: "2026-02-01T15:00:00Z", ["criterionId": "fix"])
        try l.append("case.resolution_proposed", customer: "ada", caseId: c, at: "2026-02-01T16:00:00Z", ["resolution": "apologised"])
        try l.append("case.closeout_accepted", customer: "ada", caseId: c, at: "2026-02-01T17:00:00Z", ["by": "ada"])
        let accepted = try #require(try l.caseView(c, now: "2026-02-02T00:00:00Z"))
        #expect(accepted["status"] == "closed" && accepted["closeReason"] == "resolved" && accepted["closedAt"] == "2026-02-01T17:00:00Z")
        #expect(accepted["unmetCriteria"] == [] && accepted["reopenCount"] == 1)
        try l.append("case.reopened", customer: "ada", caseId: c, at: "2026-02-03T09:00:00Z", ["reason": "again"])
        let reopened = try #require(try l.caseView(c, now: "2026-02-04T00:00:00Z"))
        #expect(reopened["reopenCount"] == 2 && reopened["closedAt"] == .null && reopened["closeReason"] == .null)

        let history = try #require(try l.history("ada"))
        #expect(history["counters"]?["disputedCloseouts"] == 1)
        #expect(history["counters"]?["casesOpen"] == 1 && history["counters"]?["casesClosed"] == 0)
        let risk = try l.atRisk()
        let ada = try #require(risk["customers"]?.arrayValue?.first)
        #expect(ada["customerId"] == "ada" && ada["score"] == 4)
        #expect(ada["reasons"]?.arrayValue?.first?["signal"] == "disputed_closeouts")
    }

    @Test func templateRepeatsCountsTheSameFormLetter() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "shop", caseId: "c", at: "2026-02-01T10:00:00Z", projectionFixtureOpening())
        for i in 0..<4 {
            try l.append("interaction.recorded", customer: "shop", caseId: "c", at: "2026-02-0\(2 + i)T10:00:00Z",
                         ["channel": "letter", "direction": "outbound", "templateId": "form-17"])
        }
        try l.append("interaction.recorded", customer: "shop", caseId: "c", at: "2026-02-07T10:00:00Z",
                     ["channel": "letter", "direction": "outbound", "templateId": "form-2"])
        // Inbound letters quoting the template are not sends.
        try l.append("interaction.recorded", customer: "shop", caseId: "c", at: "2026-02-07T11:00:00Z",
                     ["channel": "letter", "direction": "inbound", "templateId": "form-17"])
        #expect(try l.caseView("c", now: "2026-02-08T00:00:00Z")?["templateRepeats"] == 4)
        let risk = try #require(try l.atRisk()["customers"]?.arrayValue?.first)
        #expect(risk["customerId"] == "shop")
        #expect(risk["reasons"]?.arrayValue?.map { $0["signal"] } == ["form_letter_loops"])
    }

    @Test func mostUrgentFirst() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "bob", caseId: "no-due-old", at: "2026-02-01T08:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "bob", caseId: "no-due-new", at: "2026-02-01T09:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "ada", caseId: "due-late", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "email"))
        try l.append("case.opened", customer: "ada", caseId: "due-soon-low", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "due-soon-high", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.opened", customer: "ada", caseId: "due-soon-low-2", at: "2026-02-01T10:00:00Z", projectionFixtureOpening(channel: "phone"))
        try l.append("case.escalated", customer: "ada", caseId: "due-soon-high", at: "2026-02-01T10:01:00Z", ["level": 2, "reason": "x"])
        try l.append("case.escalated", customer: "bob", caseId: "no-due-new", at: "2026-02-01T10:01:00Z", ["level": 1, "reason": "x"])
        let order = try l.list(OpenCasesFilter(), now: "2026-02-01T10:02:00Z").cases.map { $0["caseId"]!.stringValue! }
        #expect(order == ["due-soon-high", "due-soon-low", "due-soon-low-2", "due-late", "no-due-new", "no-due-old"])
        // Answering moves the first-response deadline out of the way: the resolution due time remains.
        try l.append("interaction.recorded", customer: "ada", caseId: "due-soon-high", at: "2026-02-01T10:05:00Z",
                     ["channel": "email", "direction": "outbound"])
        let after = try l.list(OpenCasesFilter(), now: "2026-02-01T10:06:00Z").cases.map { $0["caseId"]!.stringValue! }
        #expect(after == ["due-soon-low", "due-soon-low-2", "due-late", "due-soon-high", "no-due-new", "no-due-old"])
    }

    @Test func filters() throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        try l.append("case.opened", customer: "ada", caseId: "a1", at: "2026-02-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "ada", caseId: "a2", at: "2026-02-03T10:00:00Z", projectionFixtureOpening(channel: "email"))
        try l.append("case.opened", customer: "bob", caseId: "b1", at: "2026-02-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.assigned", customer: "ada", caseId: "a2", at: "2026-02-03T10:00:00Z", ["owner": "kim"])
        try l.append("case.escalated", customer: "ada", caseId: "a1", at: "2026-02-03T10:00:00Z", ["level": 2, "reason": "x"])
        let now = "2026-02-03T10:30:00Z"
        func ids(_ f: OpenCasesFilter) throws -> Set<String> { Set(try l.list(f, now: now).cases.map { $0["caseId"]!.stringValue! }) }
        #expect(try ids(OpenCasesFilter(minLevel: 1)) == ["a1"])
        #expect(try ids(OpenCasesFilter(segment: "standard")) == ["b1"])
        #expect(try ids(OpenCasesFilter(breached: true)) == ["a1"])
        #expect(try ids(OpenCasesFilter(olderThanHours: 24)) == ["a1", "b1"])
        #expect(try ids(OpenCasesFilter(owner: "kim")) == ["a2"])
        #expect(try ids(OpenCasesFilter(customerId: "ada")) == ["a1", "a2"])
        #expect(try ids(OpenCasesFilter(segment: "vip", customerId: "ada", limit: 1)).count == 1)
        #expect(throws: LedgerError.self) { try l.list(OpenCasesFilter(cursor: "zz"), now: now) }
        #expect(throws: LedgerError.self) { try l.list(OpenCasesFilter(limit: 0), now: now) }
    }

    @Test(arguments: [nil, "ada"] as [String?])
    func pagingHasNoDuplicatesOrGaps(customer: String?) throws {
        let l = try ProjectionFixtureLedger()
        try policies(l)
        let channels = ["phone", "email", "chat"]
        for i in 0..<137 {
            let who = i % 3 == 0 ? "bob" : "ada"
            try l.append("case.opened", customer: who, caseId: "p\(i)", at: "2026-02-01T\(10 + i % 5):0\(i % 7):00Z",
                         projectionFixtureOpening(channel: channels[i % 3]))
            if i % 4 == 0 { try l.append("case.escalated", customer: who, caseId: "p\(i)", at: "2026-02-01T16:00:00Z", ["level": .number(Double(1 + i % 3)), "reason": "x"]) }
            if i % 10 == 0 { try l.append("case.closed", customer: who, caseId: "p\(i)", at: "2026-02-01T17:00:00Z", ["reason": "resolved"]) }
        }
        let now = "2026-02-02T00:00:00Z"
        let all = try l.list(OpenCasesFilter(customerId: customer, limit: 1000), now: now)
        #expect(all.nextCursor == nil)
        var paged: [JSONValue] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try l.list(OpenCasesFilter(customerId: customer, limit: 10, cursor: cursor), now: now)
            paged += page.cases
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 100
        let ids = paged.map { $0["caseId"]!.stringValue! }
        #expect(Set(ids).count == ids.count)
        #expect(ids == all.cases.map { $0["caseId"]!.stringValue! })
        let expected = (0..<137).filter { $0 % 10 != 0 && (customer == nil || $0 % 3 != 0) }.count
        #expect(ids.count == expected)
        #expect(pages == (expected + 9) / 10)
    }
}
