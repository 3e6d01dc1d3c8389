import Testing
@testable import CXLedgerCore

@Suite("Repeat-incidents, customer-history and at-risk projections")
struct RepeatAndHistoryProjectionTests {
    @Test func suggestionInsideTheWindowAndNoneOutside() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "x", caseId: "a", at: "2026-01-01T10:00:00Z", projectionFixtureOpening("billing"))
        try l.append("case.closed", customer: "x", caseId: "a", at: "2026-01-10T10:00:00Z", ["reason": "resolved"])
        // 30 days after a's close, exactly: inside.
        try l.append("case.opened", customer: "x", caseId: "b", at: "2026-02-09T10:00:00Z", projectionFixtureOpening("billing"))
        try l.append("case.closed", customer: "x", caseId: "b", at: "2026-02-10T10:00:00Z", ["reason": "resolved"])
        // Over 30 days after both closes: none.
        try l.append("case.opened", customer: "x", caseId: "c", at: "2026-03-12T10:00:01Z", projectionFixtureOpening("billing"))
        // Another category, or another customer: none.
        try l.append("case.opened", customer: "x", caseId: "d", at: "2026-03-12T11:00:00Z", projectionFixtureOpening("delivery"))
        try l.append("case.opened", customer: "y", caseId: "e", at: "2026-03-12T11:00:00Z", projectionFixtureOpening("billing"))
        // c is still open: e2 (same customer and category) repeats it however long ago it opened.
        try l.append("case.opened", customer: "x", caseId: "f", at: "2026-09-01T10:00:00Z", projectionFixtureOpening("billing"))

        let b = try #require(try l.related("b"))
        #expect(b["links"]?.arrayValue?.count == 1)
        let link = try #require(b["links"]?.arrayValue?.first)
        #expect(link["relatedCaseId"] == "a" && link["status"] == "suggested" && link["relation"] == .null)
        #expect(link["basis"]?["category"] == "billing" && link["basis"]?["relatedClosedAt"] == "2026-01-10T10:00:00Z")
        #expect(try l.related("c")?["links"] == [])
        #expect(try l.related("d")?["links"] == [])
        #expect(try l.related("e")?["links"] == [])
        #expect(try l.related("f")?["links"]?.arrayValue?.map { $0["relatedCaseId"] } == ["c"])
        #expect(try l.related("a")?["laterRepeats"] == ["b"])
        #expect(try l.related("c")?["laterRepeats"] == ["f"])
        #expect(try l.related("nope") == nil)
        #expect(try l.history("x")?["counters"]?["repeatIncidents"] == 2)
    }

    @Test func severalQualifyingCasesSuggestTheMostRecentOne() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "x", caseId: "old-open", at: "2026-01-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "x", caseId: "recent", at: "2026-01-02T10:00:00Z", projectionFixtureOpening())
        try l.append("case.closed", customer: "x", caseId: "recent", at: "2026-01-03T10:00:00Z", ["reason": "resolved"])
        try l.append("case.opened", customer: "x", caseId: "new", at: "2026-01-10T10:00:00Z", projectionFixtureOpening())
        #expect(try l.related("new")?["links"]?.arrayValue?.map { $0["relatedCaseId"] } == ["recent"])
        #expect(try l.related("recent")?["links"]?.arrayValue?.map { $0["relatedCaseId"] } == ["old-open"])
        // Recategorised into the category, a case becomes a candidate for later openings.
        try l.append("case.opened", customer: "x", caseId: "moved", at: "2026-01-11T10:00:00Z", projectionFixtureOpening("outage"))
        try l.append("case.recategorized", customer: "x", caseId: "moved", at: "2026-01-11T11:00:00Z", ["category": "billing", "reason": "triage"])
        try l.append("case.opened", customer: "x", caseId: "newest", at: "2026-01-12T10:00:00Z", projectionFixtureOpening())
        #expect(try l.related("newest")?["links"]?.arrayValue?.map { $0["relatedCaseId"] } == ["moved"])
        #expect(try l.related("moved")?["links"] == [])
    }

    @Test func aCloseAfterTheOpeningCounts() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "x", caseId: "a", at: "2026-01-01T10:00:00Z", projectionFixtureOpening())
        // Recorded before b opens, but it happened after b's opening.
        try l.append("case.closed", customer: "x", caseId: "a", at: "2026-05-01T10:00:00Z", ["reason": "resolved"])
        try l.append("case.opened", customer: "x", caseId: "b", at: "2026-04-01T10:00:00Z", projectionFixtureOpening())
        #expect(try l.related("b")?["links"]?.arrayValue?.first?["relatedCaseId"] == "a")
    }

    @Test func confirmedRejectedAndUnsuggestedLinks() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "x", caseId: "first", at: "2026-01-01T10:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "x", caseId: "similar", at: "2026-01-05T10:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "x", caseId: "unrelated", at: "2026-01-06T10:00:00Z", projectionFixtureOpening())
        try l.append("case.opened", customer: "x", caseId: "other-cat", at: "2026-01-07T10:00:00Z", projectionFixtureOpening("outage"))
        try l.append("case.linked", customer: "x", caseId: "similar", at: "2026-01-08T10:00:00Z",
                     ["relatedCaseId": "first", "relation": "separate_similar"])
        try l.append("case.linked", customer: "x", caseId: "unrelated", at: "2026-01-08T10:00:00Z",
                     ["relatedCaseId": "first", "relation": "not_related"])
        try l.append("case.linked", customer: "x", caseId: "unrelated", at: "2026-01-08T10:00:00Z",
                     ["relatedCaseId": "similar", "relation": "not_related"])
        try l.append("case.linked", customer: "x", caseId: "other-cat", at: "2026-01-08T10:00:00Z",
                     ["relatedCaseId": "first", "relation": "same_root_cause"])

        let similar = try #require(try l.related("similar")?["links"]?.arrayValue?.first)
        #expect(similar["status"] == "confirmed" && similar["relation"] == "separate_similar" && similar["basis"] != .null)
        let unrelated = try #require(try l.related("unrelated")?["links"]?.arrayValue)
        #expect(unrelated.map { $0["status"] } == ["rejected", "rejected"])
        let manual = try #require(try l.related("other-cat")?["links"]?.arrayValue?.first)
        #expect(manual["status"] == "confirmed" && manual["basis"] == .null && manual["relation"] == "same_root_cause")
        #expect(try l.related("first")?["laterRepeats"] == ["other-cat", "similar"])
        #expect(try l.related("similar")?["laterRepeats"] == [])
        #expect(try l.caseView("similar", now: "2026-02-01T00:00:00Z")?["repeatOf"] == "first")
        #expect(try l.caseView("unrelated", now: "2026-02-01T00:00:00Z")?["repeatOf"] == .null)
        // similar and other-cat hold active links; unrelated's are all rejected.
        #expect(try l.history("x")?["counters"]?["repeatIncidents"] == 2)
        // A later rejection of a confirmed link withdraws it.
        try l.append("case.linked", customer: "x", caseId: "similar", at: "2026-01-09T10:00:00Z",
                     ["relatedCaseId": "first", "relation": "not_related"])
        #expect(try l.caseView("similar", now: "2026-02-01T00:00:00Z")?["repeatOf"] == .null)
        #expect(try l.history("x")?["counters"]?["repeatIncidents"] == 1)
        #expect(try l.related("first")?["laterRepeats"] == ["other-cat"])
    }

    @Test func repeatOfIsTheLatestConfirmedLink() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("case.opened", customer: "x", caseId: "a", at: "2026-01-01T10:00:00Z", projectionFixtureOpening("one"))
        try l.append("case.opened", customer: "x", caseId: "b", at: "2026-01-02T10:00:00Z", projectionFixtureOpening("two"))
        try l.append("case.opened", customer: "x", caseId: "c", at: "2026-01-03T10:00:00Z", projectionFixtureOpening("three"))
        try l.append("case.linked", customer: "x", caseId: "c", at: "2026-01-04T10:00:00Z", ["relatedCaseId": "b", "relation": "same_incident"])
        try l.append("case.linked", customer: "x", caseId: "c", at: "2026-01-04T11:00:00Z", ["relatedCaseId": "a", "relation": "same_root_cause"])
        #expect(try l.caseView("c", now: "2026-02-01T00:00:00Z")?["repeatOf"] == "a")
    }

    @Test func historyProfileCountersAndTimelinePaging() throws {
        let l = try ProjectionFixtureLedger()
        var positions: [Int] = []
        positions.append(try l.append("customer.profiled", customer: "ada", at: "2026-01-01T00:00:00Z", ["name": "Ada", "segment": "vip"]))
        positions.append(try l.append("customer.influence_observed", customer: "ada", at: "2026-01-01T00:00:00Z", ["channel": "social", "followers": 100]))
        positions.append(try l.append("customer.influence_observed", customer: "ada", at: "2026-01-01T00:00:00Z", ["channel": "social", "followers": 5000]))
        positions.append(try l.append("customer.influence_observed", customer: "ada", at: "2026-01-01T00:00:00Z", ["channel": "blog", "followers": 300]))
        try l.append("customer.profiled", customer: "bob", at: "2026-01-01T00:00:00Z", ["segment": "standard"])
        positions.append(try l.append("customer.influence_observed", customer: "ada", at: "2026-01-01T00:00:00Z", ["channel": "social", "followers": 50]))
        positions.append(try l.append("customer.profiled", customer: "ada", at: "2026-01-02T00:00:00Z", ["segment": "strategic"]))
        positions.append(try l.append("case.opened", customer: "ada", caseId: "k", at: "2026-01-03T00:00:00Z", projectionFixtureOpening(channel: "email")))
        positions.append(try l.append("case.escalated", customer: "ada", caseId: "k", at: "2026-01-03T01:00:00Z", ["level": 1, "reason": "loud"]))
        positions.append(try l.append("case.escalated", customer: "ada", caseId: "k", at: "2026-01-03T02:00:00Z", ["level": 2, "reason": "louder"]))
        positions.append(try l.append("interaction.recorded", customer: "ada", caseId: "k", at: "2026-01-03T03:00:00Z",
                                      ["channel": "blog", "direction": "inbound", "public": true, "summary": "wrote a post", "sentiment": -0.8]))
        positions.append(try l.append("interaction.recorded", customer: "ada", at: "2026-01-03T04:00:00Z",
                                      ["channel": "social", "direction": "outbound", "public": true, "summary": "we replied"]))
        positions.append(try l.append("case.opened", customer: "ada", caseId: "k2", at: "2026-01-04T00:00:00Z", projectionFixtureOpening("shipping")))
        positions.append(try l.append("case.closed", customer: "ada", caseId: "k2", at: "2026-01-04T01:00:00Z", ["reason": "duplicate"]))

        let h = try #require(try l.history("ada", limit: 5))
        #expect(Set(h.objectValue!.keys) == ["customerId", "profile", "counters", "timeline", "nextBefore"])
        #expect(h["profile"] == ["name": "Ada", "segment": "strategic", "followers": 300])
        #expect(h["counters"] == ["casesOpen": 1, "casesClosed": 1, "escalations": 2, "publicComplaints": 1,
                                  "repeatIncidents": 0, "disputedCloseouts": 0])
        let first = try #require(h["timeline"]?.arrayValue)
        #expect(first.count == 5)
        #expect(first[0]["type"] == "case.closed" && first[0]["caseId"] == "k2" && first[0]["summary"] == "duplicate")
        #expect(first[2]["channel"] == "social" && first[2]["summary"] == "we replied" && first[2]["caseId"] == .null)
        for entry in first { #expect(Set(entry.objectValue!.keys) == ["position", "occurredAt", "type", "caseId", "channel", "summary"]) }

        var all = first
        var before = h["nextBefore"]?.intValue
        while let b = before {
            let page = try #require(try l.history("ada", limit: 5, before: b))
            all += page["timeline"]?.arrayValue ?? []
            before = page["nextBefore"]?.intValue
        }
        #expect(all.map { $0["position"]!.intValue! } == positions.reversed())
        #expect(try l.history("nobody") == nil)
        // A customer known only from an interaction has a history with empty profile.
        try l.append("interaction.recorded", customer: "zed", at: "2026-01-05T00:00:00Z", ["channel": "chat", "direction": "inbound"])
        #expect(try l.history("zed")?["profile"] == ["name": nil, "segment": nil, "followers": nil])
    }

    @Test func atRiskRanksPublicNegativeReachFirst() throws {
        let l = try ProjectionFixtureLedger()
        try l.append("customer.influence_observed", customer: "blogger", at: "2026-01-01T00:00:00Z", ["channel": "blog", "followers": 250_000])
        try l.append("customer.influence_observed", customer: "quiet", at: "2026-01-01T00:00:00Z", ["channel": "social", "followers": 12])
        for who in ["blogger", "quiet"] {
            try l.append("interaction.recorded", customer: who, at: "2026-01-02T00:00:00Z",
                         ["channel": "blog", "direction": "inbound", "public": true, "sentiment": -0.9])
        }
        // Positive or private interactions carry no risk.
        try l.append("interaction.recorded", customer: "fan", at: "2026-01-02T00:00:00Z",
                     ["channel": "social", "direction": "inbound", "public": true, "sentiment": 0.9])
        try l.append("interaction.recorded", customer: "fan", at: "2026-01-02T00:00:00Z",
                     ["channel": "email", "direction": "inbound", "public": false, "sentiment": -0.9])
        let top = try #require(try l.atRisk()["customers"]?.arrayValue)
        #expect(top.map { $0["customerId"] } == ["blogger", "quiet"])
        let blogger = top[0]
        #expect(Set(blogger.objectValue!.keys) == ["customerId", "score", "reasons"])
        #expect(blogger["score"]!.doubleValue! > top[1]["score"]!.doubleValue!)
        #expect(blogger["reasons"]?.arrayValue?.first?["signal"] == "public_negative")
        // Reach updates rescore: the quiet one's audience grows past the blogger's.
        try l.append("customer.influence_observed", customer: "quiet", at: "2026-01-03T00:00:00Z", ["channel": "video", "followers": 4_000_000])
        #expect(try l.atRisk(limit: 1)["customers"]?.arrayValue?.map { $0["customerId"] } == ["quiet"])
    }
}
