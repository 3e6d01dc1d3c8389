import Foundation
import LMDB
import Testing
@testable import CXLedgerCore

// MARK: - Case lifecycle

/// The states of SPEC's lifecycle table, plus "unknown" for a case the ledger has never seen.
enum FixtureCaseSetup: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unknown
    case open
    case resolutionProposed = "resolution_proposed"
    case closed

    var testDescription: String { rawValue }

    /// Events that bring case `C` into this state (with escalation level 2 and a plan of c1, c2);
    /// case `other-case` always exists so links have a target.
    func events() throws -> [ProposedEvent] {
        var out = [try fixtureCaseEvent("case.opened", "other-case")]
        guard self != .unknown else { return out }
        out.append(try fixtureCaseEvent("case.opened", "C"))
        out.append(try fixtureCaseEvent("case.escalated", "C", data: ["level": 2, "reason": "loud"]))
        out.append(try fixtureCaseEvent("case.plan_agreed", "C"))
        switch self {
        case .resolutionProposed:
            out.append(try fixtureCaseEvent("case.resolution_proposed", "C"))
        case .closed:
            out.append(try fixtureCaseEvent("case.closed", "C"))
        default: break
        }
        return out
    }
}

/// Every event type that the lifecycle applies to (`interaction.recorded` with a caseId included).
let fixtureLifecycleTypes = [
    "case.opened", "case.recategorized", "case.assigned", "case.escalated", "case.deescalated",
    "case.situation_summarized", "case.meeting_held", "case.plan_agreed", "case.criterion_met",
    "case.resolution_proposed", "case.closeout_accepted", "case.closeout_disputed", "case.returned_to_sop",
    "case.closed", "case.reopened", "case.linked", "case.satisfaction_rated", "interaction.recorded",
]

private enum LifecycleExpectation: Equatable {
    case allowed(CaseState.Status, reopenDelta: Int)
    case refused(field: String)
}

/// SPEC's lifecycle table, written out independently of `CaseLifecycle`.
private func lifecycleExpectation(_ state: FixtureCaseSetup, _ type: String) -> LifecycleExpectation {
    if state == .unknown {
        return type == "case.opened" ? .allowed(.open, reopenDelta: 0) : .refused(field: "caseId")
    }
    let status: CaseState.Status = switch state {
    case .open: .open
    case .resolutionProposed: .resolutionProposed
    default: .closed
    }
    let active = status != .closed
    switch type {
    case "case.opened": return .refused(field: "caseId")
    case "case.resolution_proposed": return active ? .allowed(.resolutionProposed, reopenDelta: 0) : .refused(field: "type")
    case "case.closeout_accepted":
        return status == .resolutionProposed ? .allowed(.closed, reopenDelta: 0) : .refused(field: "type")
    case "case.closeout_disputed":
        return status == .resolutionProposed ? .allowed(.open, reopenDelta: 1) : .refused(field: "type")
    case "case.returned_to_sop", "case.closed": return active ? .allowed(.closed, reopenDelta: 0) : .refused(field: "type")
    case "case.reopened": return status == .closed ? .allowed(.open, reopenDelta: 1) : .refused(field: "type")
    case "case.linked", "case.satisfaction_rated", "interaction.recorded": return .allowed(status, reopenDelta: 0)
    default: return active ? .allowed(status, reopenDelta: 0) : .refused(field: "type")
    }
}

/// The event under test: data that passes every rule except the lifecycle's state rule.
private func lifecycleProbe(_ type: String) throws -> ProposedEvent {
    switch type {
    case "case.escalated": return try fixtureCaseEvent(type, "C", data: ["level": 3, "reason": "press"])
    case "case.deescalated": return try fixtureCaseEvent(type, "C", data: ["level": 1, "justification": "calmer"])
    case "case.linked":
        return try fixtureCaseEvent(type, "C", data: ["relatedCaseId": "other-case", "relation": "same_root_cause"])
    default: return try fixtureCaseEvent(type, "C")
    }
}

private func streamVersion(_ log: EventLog, _ stream: String) throws -> Int {
    try log.read { txn in try log.streamVersion(stream, in: txn) }
}

/// Asserts that `body` is refused with `lifecycle_violation` naming `field` and the case's state, and writes nothing.
private func expectLifecycleViolation(_ log: EventLog, field: String, state: String, index: Int = 0,
                                      messageContains extra: String? = nil,
                                      sourceLocation: SourceLocation = #_sourceLocation,
                                      _ body: () throws -> Void) throws {
    let before = try fixtureSnapshot(log)
    let versions = try ["case-C", "case-other-case", "customer-cust-1"].map { try streamVersion(log, $0) }
    let failure = fixtureExpectFailure(sourceLocation, body)
    #expect(failure?.index == index, sourceLocation: sourceLocation)
    #expect(failure?.error.code == .lifecycleViolation, sourceLocation: sourceLocation)
    #expect(failure?.error.field == field, "\(failure?.error.description ?? "")", sourceLocation: sourceLocation)
    let message = failure?.error.message ?? ""
    #expect(message.contains("is \(state)"), "message must name the state \(state): \(message)",
            sourceLocation: sourceLocation)
    if let extra { #expect(message.contains(extra), "\(message)", sourceLocation: sourceLocation) }
    #expect(try fixtureSnapshot(log) == before, "a refused append wrote something", sourceLocation: sourceLocation)
    #expect(try ["case-C", "case-other-case", "customer-cust-1"].map { try streamVersion(log, $0) } == versions,
            sourceLocation: sourceLocation)
}

@Suite("Event log: case lifecycle")
struct EventLogLifecycleTests {
    @Test("every event type in every case state follows SPEC's table",
          arguments: FixtureCaseSetup.allCases, fixtureLifecycleTypes)
    func lifecycleTable(state: FixtureCaseSetup, type: String) throws {
        let dir = FixtureDirectory("lifecycle")
        let log = try EventLog(directory: dir.path)
        try log.append(state.events())
        let probe = try lifecycleProbe(type)
        let before = try fixtureSnapshot(log)
        let caseBefore = try fixtureCaseState(log, "C")
        let versionBefore = try streamVersion(log, "case-C")

        switch lifecycleExpectation(state, type) {
        case .allowed(let status, let reopenDelta):
            let answer = try log.append([probe])
            #expect(answer.count == 1)
            #expect(answer.first?.position == before.head.position + 1)
            #expect(answer.first?.stream == "case-C")
            #expect(answer.first?.streamVersion == versionBefore + 1)
            #expect(answer.first?.alreadyStored == false)
            let after = try #require(try fixtureCaseState(log, "C"))
            #expect(after.status == status)
            #expect(after.reopenCount == (caseBefore?.reopenCount ?? 0) + reopenDelta)
            switch type {
            case "case.escalated": #expect(after.level == 3)
            case "case.deescalated": #expect(after.level == 1)
            case "case.opened": #expect(after.level == 0)
            default: #expect(after.level == caseBefore?.level)
            }
            if type == "case.criterion_met" {
                #expect(after.criteria.map(\.id) == ["c1", "c2"])
                #expect(after.criteria.map(\.met) == [true, false])
            }
            #expect(try fixtureSnapshot(log).eventCount == before.eventCount + 1)
        case .refused(let field):
            try expectLifecycleViolation(log, field: field, state: state.rawValue) { try log.append([probe]) }
            #expect(try fixtureCaseState(log, "C") == caseBefore)
        }
        #expect(try LogVerifier.verify(log).isValid)
    }

    @Test("a full journey through every allowed transition")
    func fullJourney() throws {
        let dir = FixtureDirectory("journey")
        let log = try EventLog(directory: dir.path)
        let steps: [(String, JSONValue?, CaseState.Status, Int)] = [
            ("case.opened", nil, .open, 0),
            ("case.assigned", nil, .open, 0),
            ("case.recategorized", nil, .open, 0),
            ("case.escalated", ["level": 1, "reason": "slow"], .open, 0),
            ("case.escalated", ["level": 4, "reason": "press"], .open, 0),
            ("case.deescalated", ["level": 2, "justification": "calmer"], .open, 0),
            ("case.situation_summarized", nil, .open, 0),
            ("case.meeting_held", nil, .open, 0),
            ("case.plan_agreed", nil, .open, 0),
            ("case.criterion_met", ["criterionId": "c2"], .open, 0),
            ("case.resolution_proposed", nil, .resolutionProposed, 0),
            ("case.resolution_proposed", ["resolution": "better offer"], .resolutionProposed, 0),
            ("case.closeout_disputed", nil, .open, 1),
            ("case.resolution_proposed", nil, .resolutionProposed, 1),
            ("case.closeout_accepted", nil, .closed, 1),
            ("case.satisfaction_rated", nil, .closed, 1),
            ("case.reopened", nil, .open, 2),
            ("case.returned_to_sop", nil, .closed, 2),
            ("case.reopened", nil, .open, 3),
            ("case.closed", ["reason": "withdrawn"], .closed, 3),
        ]
        for (i, (type, data, status, reopens)) in steps.enumerated() {
            let answer = try log.append([fixtureCaseEvent(type, "J", data: data)])
            #expect(answer.map(\.position) == [i + 1])
            #expect(answer.map(\.streamVersion) == [i + 1])
            let state = try #require(try fixtureCaseState(log, "J"))
            #expect(state.status == status, "after \(type)")
            #expect(state.reopenCount == reopens, "after \(type)")
        }
        #expect(try fixtureCaseState(log, "J")?.level == 2)
        // A closed case still takes interactions, and they do not reopen it.
        try log.append([fixtureCaseEvent("interaction.recorded", "J")])
        #expect(try fixtureCaseState(log, "J")?.status == .closed)
        #expect(try LogVerifier.verify(log).isValid)
    }

    @Test("case events and case interactions naming an unknown case are refused")
    func unknownCase() throws {
        let dir = FixtureDirectory("unknown-case")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "other-case")])
        for type in fixtureLifecycleTypes where type != "case.opened" {
            try expectLifecycleViolation(log, field: "caseId", state: "unknown", messageContains: "C") {
                try log.append([lifecycleProbe(type)])
            }
        }
        // An interaction without a caseId needs no case.
        let answer = try log.append([fixtureEvent("interaction.recorded")])
        #expect(answer.first?.stream == "customer-cust-1")
    }

    @Test("a second case.opened is refused, also when the case is closed")
    func secondOpen() throws {
        let dir = FixtureDirectory("second-open")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "C")])
        try expectLifecycleViolation(log, field: "caseId", state: "open") {
            try log.append([fixtureCaseEvent("case.opened", "C")])
        }
        try log.append([fixtureCaseEvent("case.closed", "C")])
        try expectLifecycleViolation(log, field: "caseId", state: "closed") {
            try log.append([fixtureCaseEvent("case.opened", "C")])
        }
    }

    @Test("escalating a closed case, accepting a close-out while open, reopening an open case")
    func eventsNotAllowedInState() throws {
        let dir = FixtureDirectory("not-allowed")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "C")])
        try expectLifecycleViolation(log, field: "type", state: "open", messageContains: "case.closeout_accepted") {
            try log.append([fixtureCaseEvent("case.closeout_accepted", "C")])
        }
        try expectLifecycleViolation(log, field: "type", state: "open", messageContains: "case.closeout_disputed") {
            try log.append([fixtureCaseEvent("case.closeout_disputed", "C")])
        }
        try expectLifecycleViolation(log, field: "type", state: "open", messageContains: "case.reopened") {
            try log.append([fixtureCaseEvent("case.reopened", "C")])
        }
        try log.append([fixtureCaseEvent("case.returned_to_sop", "C")])
        try expectLifecycleViolation(log, field: "type", state: "closed", messageContains: "case.escalated") {
            try log.append([fixtureCaseEvent("case.escalated", "C", data: ["level": 1, "reason": "late"])])
        }
        try expectLifecycleViolation(log, field: "type", state: "closed") {
            try log.append([fixtureCaseEvent("case.resolution_proposed", "C")])
        }
    }

    @Test("an escalation must raise the level and a de-escalation must lower it")
    func levels() throws {
        let dir = FixtureDirectory("levels")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "C")])
        // Level 0 cannot be lowered.
        try expectLifecycleViolation(log, field: "data.level", state: "open", messageContains: "current level 0") {
            try log.append([fixtureCaseEvent("case.deescalated", "C", data: ["level": 0, "justification": "x"])])
        }
        try log.append([fixtureCaseEvent("case.escalated", "C", data: ["level": 2, "reason": "r"])])
        for level in [1, 2] {
            try expectLifecycleViolation(log, field: "data.level", state: "open", messageContains: "current level 2") {
                try log.append([fixtureCaseEvent("case.escalated", "C", data: ["level": .number(Double(level)), "reason": "r"])])
            }
        }
        // De-escalating upwards, or to the same level.
        for level in [2, 3] {
            try expectLifecycleViolation(log, field: "data.level", state: "open", messageContains: "current level 2") {
                try log.append([fixtureCaseEvent("case.deescalated", "C",
                                                 data: ["level": .number(Double(level)), "justification": "j"])])
            }
        }
        try log.append([fixtureCaseEvent("case.resolution_proposed", "C")])
        try expectLifecycleViolation(log, field: "data.level", state: "resolution_proposed") {
            try log.append([fixtureCaseEvent("case.deescalated", "C", data: ["level": 5, "justification": "j"])])
        }
        try log.append([fixtureCaseEvent("case.deescalated", "C", data: ["level": 0, "justification": "j"])])
        #expect(try fixtureCaseState(log, "C")?.level == 0)
        // Within one batch the level rule sees the batch's earlier events.
        try expectLifecycleViolation(log, field: "data.level", state: "resolution_proposed", index: 1) {
            try log.append([fixtureCaseEvent("case.escalated", "C", data: ["level": 3, "reason": "r"]),
                            fixtureCaseEvent("case.escalated", "C", data: ["level": 3, "reason": "r"])])
        }
        #expect(try fixtureCaseState(log, "C")?.level == 0)
    }

    @Test("criterion_met must name a criterion of the current plan")
    func criteria() throws {
        let dir = FixtureDirectory("criteria")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "C")])
        // No plan yet.
        try expectLifecycleViolation(log, field: "data.criterionId", state: "open") {
            try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c1"])])
        }
        try log.append([fixtureCaseEvent("case.plan_agreed", "C")])
        try expectLifecycleViolation(log, field: "data.criterionId", state: "open") {
            try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c9"])])
        }
        try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c1"])])
        // A new plan replaces the criteria, none of them met.
        try log.append([fixtureCaseEvent("case.plan_agreed", "C", data: [
            "successCriteria": [["id": "c3", "text": "call back"], ["id": "c1", "text": "refund again"]],
        ])])
        var state = try #require(try fixtureCaseState(log, "C"))
        #expect(state.criteria.map(\.id) == ["c3", "c1"])
        #expect(state.criteria.map(\.met) == [false, false])
        try expectLifecycleViolation(log, field: "data.criterionId", state: "open") {
            try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c2"])])
        }
        try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c3"])])
        state = try #require(try fixtureCaseState(log, "C"))
        #expect(state.criteria.map(\.met) == [true, false])
        try log.append([fixtureCaseEvent("case.resolution_proposed", "C")])
        try expectLifecycleViolation(log, field: "data.criterionId", state: "resolution_proposed") {
            try log.append([fixtureCaseEvent("case.criterion_met", "C", data: ["criterionId": "c2"])])
        }
    }

    @Test("case.linked to an unknown case or to itself is refused; to a known case in any state it works")
    func links() throws {
        let dir = FixtureDirectory("links")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureCaseEvent("case.opened", "C"), fixtureCaseEvent("case.opened", "other-case")])
        try expectLifecycleViolation(log, field: "data.relatedCaseId", state: "open", messageContains: "nowhere") {
            try log.append([fixtureCaseEvent("case.linked", "C",
                                             data: ["relatedCaseId": "nowhere", "relation": "same_incident"])])
        }
        try expectLifecycleViolation(log, field: "data.relatedCaseId", state: "open", messageContains: "itself") {
            try log.append([fixtureCaseEvent("case.linked", "C", data: ["relatedCaseId": "C", "relation": "same_incident"])])
        }
        try log.append([fixtureCaseEvent("case.closed", "C")])
        try expectLifecycleViolation(log, field: "data.relatedCaseId", state: "closed") {
            try log.append([fixtureCaseEvent("case.linked", "C", data: ["relatedCaseId": "C", "relation": "not_related"])])
        }
        let answer = try log.append([fixtureCaseEvent("case.linked", "C",
                                                      data: ["relatedCaseId": "other-case", "relation": "not_related"])])
        #expect(answer.first?.streamVersion == 3)
        // A case opened earlier in the same batch is a valid link target.
        try log.append([fixtureCaseEvent("case.opened", "D"),
                        fixtureCaseEvent("case.linked", "C", data: ["relatedCaseId": "D", "relation": "same_incident"])])
    }
}

// MARK: - Batches, positions, idempotency, versions

@Suite("Event log: appends")
struct EventLogAppendTests {
    @Test("a batch with one bad event writes none of its events", arguments: [0, 3, 6])
    func atomicBatch(badIndex: Int) throws {
        let dir = FixtureDirectory("atomic")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureEvent("customer.profiled", id: fixtureID(900))])
        let before = try fixtureSnapshot(log)
        var batch = [
            try fixtureCaseEvent("case.opened", "B1", id: fixtureID(1)),
            try fixtureCaseEvent("case.assigned", "B1", id: fixtureID(2)),
            try fixtureEvent("interaction.recorded", id: fixtureID(3), customer: "cust-2"),
            try fixtureEvent("customer.profiled", id: fixtureID(4), customer: "cust-3"),
            try fixtureEvent("sla.policy_set", id: fixtureID(5), customer: nil),
            try fixtureCaseEvent("case.escalated", "B1", data: ["level": 1, "reason": "r"], id: fixtureID(6)),
        ]
        // Escalating a case nobody opened.
        let bad = try fixtureCaseEvent("case.escalated", "nobody", data: ["level": 1, "reason": "r"], id: fixtureID(7))
        batch.insert(bad, at: badIndex)
        let failure = fixtureExpectFailure { try log.append(batch) }
        #expect(failure?.index == badIndex)
        #expect(failure?.error.code == .lifecycleViolation)
        #expect(try fixtureSnapshot(log) == before)
        #expect(try log.stream("case-B1") == nil)
        #expect(try fixtureCaseState(log, "B1") == nil)
        #expect(try log.events(from: 1).count == 1)

        // Other kinds of bad event in the middle: a version conflict and an id conflict.
        var conflicted = batch.filter { $0.id != bad.id }
        conflicted[2].expectedVersion = 7
        let versionFailure = fixtureExpectFailure { try log.append(conflicted) }
        #expect(versionFailure?.index == 2)
        #expect(versionFailure?.error.code == .versionConflict)
        #expect(try fixtureSnapshot(log) == before)

        var clash = batch.filter { $0.id != bad.id }
        clash.insert(try fixtureEvent("customer.profiled", id: fixtureID(900), data: ["segment": "standard"]), at: 4)
        let idFailure = fixtureExpectFailure { try log.append(clash) }
        #expect(idFailure?.index == 4)
        #expect(idFailure?.error.code == .idConflict)
        #expect(try fixtureSnapshot(log) == before)

        // The same batch without the bad event goes in whole, in order.
        let good = try log.append(batch.filter { $0.id != bad.id })
        #expect(good.map(\.position) == Array(2...7))
        #expect(try LogVerifier.verify(log).isValid)
    }

    @Test("positions stay gap-free across many batches and reopening the environment")
    func gapFreeAcrossReopen() throws {
        let dir = FixtureDirectory("gapfree")
        var generator = FixtureRandom(seed: 42)
        var next = 0
        var answers: [AppendedEvent] = []
        var headHash = ""
        for round in 0..<3 {
            do {
                let log = try EventLog(directory: dir.path)
                #expect(try log.head().position == next)
                if round > 0 { #expect(try log.head().hash == headHash) }
                for _ in 0..<20 {
                    let size = Int(generator.next() % 40) + 1
                    let batch = try (0..<size).map { _ in
                        next += 1
                        return try fixtureInteraction(next)
                    }
                    answers += try log.append(batch)
                }
                // A refused batch in between consumes no position.
                _ = fixtureExpectFailure {
                    try log.append([fixtureInteraction(next + 1), fixtureCaseEvent("case.reopened", "ghost")])
                }
                headHash = try log.head().hash
            }
            // `log` is released here, so LMDB closes the environment before the next round opens it.
        }
        #expect(answers.map(\.position) == Array(1...next))
        let log = try EventLog(directory: dir.path)
        let stored = try log.events(from: 1)
        #expect(stored.map(\.position) == Array(1...next))
        let hashes = try fixtureRecheckChain(stored)
        #expect(hashes == answers.map(\.hash))
        #expect(try log.head() == LogHead(position: next, hash: headHash, recordedAt: log.head().recordedAt))
        #expect(try LogVerifier.verify(log).isValid)
    }

    @Test("an idempotent retry gets the original answer, also after a reopen and within a batch")
    func idempotentRetry() throws {
        let dir = FixtureDirectory("idempotent")
        let e1 = try fixtureInteraction(1)
        let e2 = try fixtureCaseEvent("case.opened", "C", id: fixtureID(2))
        var original: [AppendedEvent] = []
        do {
            let log = try EventLog(directory: dir.path)
            original = try log.append([e1, e2])
            #expect(original.map(\.alreadyStored) == [false, false])
            let before = try fixtureSnapshot(log)
            let retry = try log.append([e1, e2])
            #expect(retry == original.map { stored($0) })
            #expect(try fixtureSnapshot(log) == before)

            // A retry inside a batch with new events: the stored one answers as before, the new one is appended.
            let e3 = try fixtureInteraction(3)
            let mixed = try log.append([e3, e1])
            #expect(mixed[0].position == 3 && !mixed[0].alreadyStored)
            #expect(mixed[1] == stored(original[0]))
            // The same new id twice in one batch is stored once.
            let e4 = try fixtureInteraction(4)
            let twice = try log.append([e4, e4])
            #expect(twice[0].position == 4 && !twice[0].alreadyStored)
            #expect(twice[1] == stored(twice[0]))
            #expect(try log.head().position == 4)
        }
        let log = try EventLog(directory: dir.path)
        let before = try fixtureSnapshot(log)
        #expect(try log.append([e2]) == [stored(original[1])])
        #expect(try log.append([e1, e2]) == original.map { stored($0) })
        #expect(try fixtureSnapshot(log) == before)
    }

    @Test("a retry is recognised before every other rule")
    func retryBeforeOtherRules() throws {
        let dir = FixtureDirectory("retry-first")
        let log = try EventLog(directory: dir.path)
        let opened = try fixtureEvent("case.opened", id: fixtureID(1), caseId: "C", expectedVersion: 0)
        let answer = try log.append([opened])
        try log.append([fixtureCaseEvent("case.escalated", "C", data: ["level": 2, "reason": "r"], id: fixtureID(2))])
        let escalation = try fixtureCaseEvent("case.escalated", "C", data: ["level": 2, "reason": "r"], id: fixtureID(2))
        try log.append([fixtureCaseEvent("case.closed", "C", id: fixtureID(3))])
        let before = try fixtureSnapshot(log)
        // case.opened on a closed case, with an expectedVersion that no longer holds: still already stored.
        #expect(try log.append([opened]) == [stored(answer[0])])
        // An escalation that no longer raises the level, on a closed case.
        let again = try log.append([escalation])
        #expect(again.first?.alreadyStored == true)
        #expect(again.first?.position == 2)
        // The posted expectedVersion is not part of the content.
        var withOtherVersion = opened
        withOtherVersion.expectedVersion = 9
        #expect(try log.append([withOtherVersion]) == [stored(answer[0])])
        #expect(try fixtureSnapshot(log) == before)
    }

    @Test("a different payload under a stored id is id_conflict and writes nothing")
    func idConflict() throws {
        let dir = FixtureDirectory("id-conflict")
        let log = try EventLog(directory: dir.path)
        try log.append([fixtureEvent("customer.profiled", id: fixtureID(1))])
        let before = try fixtureSnapshot(log)
        let variants = [
            try fixtureEvent("customer.profiled", id: fixtureID(1), data: ["segment": "standard"]),
            try fixtureEvent("customer.profiled", id: fixtureID(1), customer: "cust-2"),
            try fixtureEvent("customer.profiled", id: fixtureID(1), occurredAt: "2026-04-10T09:00:01Z"),
            try fixtureEvent("customer.profiled", id: fixtureID(1), source: "crm"),
            try fixtureEvent("customer.influence_observed", id: fixtureID(1)),
        ]
        for variant in variants {
            let failure = fixtureExpectFailure { try log.append([fixtureInteraction(5), variant]) }
            #expect(failure?.index == 1)
            #expect(failure?.error.code == .idConflict)
            #expect(failure?.error.field == "id")
            #expect(try fixtureSnapshot(log) == before)
        }
        // The stored event is unchanged.
        #expect(try log.events(from: 1).first?.envelope()["data"]?["segment"] == "vip")
    }

    @Test("an upper-case form of a stored UUID is the same id")
    func upperCaseID() throws {
        let dir = FixtureDirectory("uppercase")
        let log = try EventLog(directory: dir.path)
        let lower = "0a1b2c3d-4e5f-4a6b-8c7d-9e0fa1b2c3d4"
        let first = try log.append([fixtureEvent("customer.profiled", id: lower)])
        let before = try fixtureSnapshot(log)
        let retry = try log.append([fixtureEvent("customer.profiled", id: lower.uppercased())])
        #expect(retry == [stored(first[0])])
        #expect(retry.first?.id == lower)
        #expect(try fixtureSnapshot(log) == before)
        let conflict = fixtureExpectFailure {
            try log.append([fixtureEvent("customer.profiled", id: lower.uppercased(), data: ["segment": "standard"])])
        }
        #expect(conflict?.error.code == .idConflict)
        // Stored in lower case.
        #expect(try log.events(from: 1).first?.envelope()["id"] == .string(lower))
    }

    @Test("expectedVersion: a match appends, a mismatch is version_conflict, 0 means the stream must not exist")
    func expectedVersion() throws {
        let dir = FixtureDirectory("versions")
        let log = try EventLog(directory: dir.path)
        let a = try log.append([fixtureEvent("customer.profiled", expectedVersion: 0)])
        #expect(a.first?.streamVersion == 1)
        try log.append([fixtureEvent("interaction.recorded", expectedVersion: 1)])
        let before = try fixtureSnapshot(log)
        for wrong in [0, 1, 3, 100] {
            let failure = fixtureExpectFailure { try log.append([fixtureEvent("interaction.recorded", expectedVersion: wrong)]) }
            #expect(failure?.error.code == .versionConflict)
            #expect(failure?.error.field == "expectedVersion")
            #expect(failure?.error.message.contains("version 2") == true)
            #expect(try fixtureSnapshot(log) == before)
        }
        // Within a batch each expectation sees the batch's earlier events.
        let batch = try log.append([fixtureEvent("interaction.recorded", expectedVersion: 2),
                                    fixtureEvent("interaction.recorded", expectedVersion: 3),
                                    fixtureEvent("customer.profiled", customer: "fresh", expectedVersion: 0)])
        #expect(batch.map(\.streamVersion) == [3, 4, 1])
        let conflict = fixtureExpectFailure {
            try log.append([fixtureEvent("interaction.recorded", expectedVersion: 4),
                            fixtureEvent("interaction.recorded", expectedVersion: 4)])
        }
        #expect(conflict?.index == 1)
        #expect(try streamVersion(log, "customer-cust-1") == 4)
        // Case streams too.
        try log.append([fixtureEvent("case.opened", caseId: "C", expectedVersion: 0)])
        let caseConflict = fixtureExpectFailure {
            try log.append([fixtureEvent("case.assigned", caseId: "C", data: ["owner": "o"], expectedVersion: 0)])
        }
        #expect(caseConflict?.error.code == .versionConflict)
        #expect(try fixtureCaseState(log, "C")?.status == .open)
    }

    @Test("same content is judged on canonical JSON: key order, number spelling, explicit nulls and id case do not matter")
    func sameContentIsCanonical() throws {
        let dir = FixtureDirectory("canonical-content")
        let log = try EventLog(directory: dir.path)
        let id = fixtureID(1)
        func event(_ text: String) throws -> ProposedEvent { try EventValidator.validate(JSONParser.parse(text)) }
        let first = try log.append([event(#"""
            {"id":"\#(id)","type":"case.opened","customerId":"c","caseId":"K","occurredAt":"2026-04-10T09:00:00Z",
             "data":{"category":"x","channel":"phone","severity":2,"summary":"s","extra":{"b":1,"a":[1.5,"\u00e9"]}},"source":"crm"}
            """#)])
        let before = try fixtureSnapshot(log)
        let retry = try log.append([event(#"""
            {"data":{"extra":{"a":[1.50,"é"],"b":1e0},"summary":"s","severity":2.0,"channel":"phone","category":"x"},
             "source":"crm","metadata":null,"occurredAt":"2026-04-10T09:00:00Z","caseId":"K","customerId":"c",
             "type":"case.opened","id":"\#(id.uppercased())","expectedVersion":0}
            """#)])
        var expected = first[0]
        expected.alreadyStored = true
        #expect(retry == [expected])
        #expect(try fixtureSnapshot(log) == before)
        // Another spelling of the same instant is other content: the sender's text is what is stored and hashed.
        let failure = fixtureExpectFailure {
            try log.append([event(#"""
                {"id":"\#(id)","type":"case.opened","customerId":"c","caseId":"K","occurredAt":"2026-04-10T09:00:00+00:00",
                 "data":{"category":"x","channel":"phone","severity":2,"summary":"s","extra":{"b":1,"a":[1.5,"é"]}},"source":"crm"}
                """#)])
        }
        #expect(failure?.error.code == .idConflict)
        #expect(try fixtureSnapshot(log) == before)
    }

    private func stored(_ a: AppendedEvent) -> AppendedEvent {
        var a = a
        a.alreadyStored = true
        return a
    }
}

/// A small deterministic generator (SplitMix64) so runs repeat.
struct FixtureRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Reads and the hash chain

@Suite("Event log: reads and hash chain")
struct EventLogReadTests {
    /// Two customers, two cases, and the other streams.
    private func populated(_ dir: FixtureDirectory) throws -> EventLog {
        let log = try EventLog(directory: dir.path)
        try log.append([
            fixtureEvent("customer.profiled", customer: "A"),                                   // 1
            fixtureEvent("case.opened", customer: "A", caseId: "A1"),                           // 2
            fixtureEvent("interaction.recorded", customer: "A", caseId: "A1"),                  // 3
            fixtureEvent("interaction.recorded", customer: "A"),                                // 4
            fixtureEvent("customer.profiled", customer: "B"),                                   // 5
            fixtureEvent("case.opened", customer: "B", caseId: "B1"),                           // 6
            fixtureEvent("review.held", customer: nil),                                         // 7
            fixtureEvent("sla.policy_set", customer: nil),                                      // 8
        ])
        try log.append([
            fixtureEvent("case.assigned", customer: "A", caseId: "A1"),                         // 9
            fixtureEvent("interaction.recorded", customer: "B", caseId: "B1"),                  // 10
            fixtureEvent("customer.influence_observed", customer: "B"),                         // 11
        ])
        return log
    }

    @Test("identifiers that differ in bytes but are equal Swift Strings stay apart inside one batch")
    func canonicallyEquivalentIdentifiersInOneBatch() throws {
        let dir = FixtureDirectory("canonical-equivalence")
        let log = try EventLog(directory: dir.path)
        let composed = "caf\u{E9}-1", decomposed = "cafe\u{301}-1"
        #expect(composed == decomposed)  // Swift's String equality, which the log must not use
        let appended = try log.append([
            fixtureEvent("case.opened", customer: "C", caseId: composed),
            fixtureEvent("case.opened", customer: "C", caseId: decomposed),
            fixtureEvent("case.escalated", customer: "C", caseId: decomposed),
        ])
        #expect(appended.map(\.streamVersion) == [1, 1, 2])
        #expect(try log.stream("case-" + composed)?.count == 1)
        #expect(try log.stream("case-" + decomposed)?.count == 2)
        #expect(try fixtureCaseState(log, composed) != nil)
        #expect(try fixtureCaseState(log, decomposed) != nil)
    }

    @Test("streams hold their events in version order")
    func streams() throws {
        let dir = FixtureDirectory("streams")
        let log = try populated(dir)
        let expected: [String: [Int]] = [
            "customer-A": [1, 4], "case-A1": [2, 3, 9], "customer-B": [5, 11], "case-B1": [6, 10],
            "review": [7], "sla": [8],
        ]
        for (stream, positions) in expected {
            let events = try #require(try log.stream(stream), "stream \(stream)")
            #expect(events.map(\.position) == positions, "stream \(stream)")
            let envelopes = try events.map { try $0.envelope() }
            #expect(envelopes.map { $0["stream"]?.stringValue ?? "" } == Array(repeating: stream, count: positions.count))
            #expect(envelopes.map { $0["streamVersion"]?.intValue ?? -1 } == Array(1...positions.count))
        }
        #expect(try log.stream("customer-nobody") == nil)
        #expect(try log.stream("case-A") == nil)
        // Names LMDB cannot hold as keys are simply unknown, not an LMDB error.
        #expect(try log.stream("") == nil)
        #expect(try log.stream(String(repeating: "x", count: 600)) == nil)
        #expect(try fixtureCaseState(log, "") == nil)
        #expect(try fixtureCaseState(log, String(repeating: "x", count: 600)) == nil)
        // A stream name that prefixes another does not pick up its events.
        try log.append([fixtureEvent("customer.profiled", customer: "A1")])
        #expect(try log.stream("customer-A")?.map(\.position) == [1, 4])
        #expect(try log.stream("customer-A1")?.map(\.position) == [12])
    }

    @Test("filtered reads by type, customer and case")
    func filters() throws {
        let dir = FixtureDirectory("filters")
        let log = try populated(dir)
        func positions(_ filter: EventFilter, from: Int = 1, to: Int? = nil, limit: Int = .max) throws -> [Int] {
            try log.events(from: from, to: to, limit: limit, filter: filter).map(\.position)
        }
        #expect(try positions(.init(type: "interaction.recorded")) == [3, 4, 10])
        #expect(try positions(.init(type: "case.opened")) == [2, 6])
        #expect(try positions(.init(type: "case.nothing")) == [])
        #expect(try positions(.init(customerId: "A")) == [1, 2, 3, 4, 9])
        #expect(try positions(.init(customerId: "B")) == [5, 6, 10, 11])
        #expect(try positions(.init(caseId: "A1")) == [2, 3, 9])
        #expect(try positions(.init(caseId: "B1")) == [6, 10])
        #expect(try positions(.init(type: "interaction.recorded", customerId: "A")) == [3, 4])
        #expect(try positions(.init(type: "interaction.recorded", customerId: "A", caseId: "A1")) == [3])
        #expect(try positions(.init(customerId: "A", caseId: "B1")) == [])
        #expect(try positions(.init(customerId: "A"), from: 3, limit: 2) == [3, 4])
        #expect(try positions(.init(customerId: "A"), from: 2, to: 8) == [2, 3, 4])
        #expect(try positions(.init(customerId: "B"), limit: 1) == [5])
    }

    @Test("events(from:to:limit:) reads position ranges")
    func ranges() throws {
        let dir = FixtureDirectory("ranges")
        let log = try populated(dir)
        #expect(try log.events().map(\.position) == Array(1...11))
        #expect(try log.events(from: 0).map(\.position) == Array(1...11))
        #expect(try log.events(from: 4).map(\.position) == Array(4...11))
        #expect(try log.events(from: 4, to: 6).map(\.position) == [4, 5, 6])
        #expect(try log.events(from: 4, to: 4).map(\.position) == [4])
        #expect(try log.events(from: 5, to: 4).map(\.position) == [])
        #expect(try log.events(from: 2, limit: 3).map(\.position) == [2, 3, 4])
        #expect(try log.events(from: 1, limit: 0).map(\.position) == [])
        #expect(try log.events(from: 11).map(\.position) == [11])
        #expect(try log.events(from: 12).map(\.position) == [])
        #expect(try log.events(from: 10, to: 500, limit: 10).map(\.position) == [10, 11])
        // Each read agrees with storedEvent.
        for e in try log.events() {
            let single = try log.read { txn in try log.storedEvent(at: e.position, in: txn) }
            #expect(single == e)
        }
        #expect(try log.read { txn in try log.storedEvent(at: 12, in: txn) } == nil)
        // An empty ledger.
        let emptyDir = FixtureDirectory("empty")
        let empty = try EventLog(directory: emptyDir.path)
        #expect(try empty.events() == [])
        #expect(try empty.head() == .empty)
        #expect(try LogVerifier.verify(empty).isValid)
    }

    @Test("the stored envelope holds what was posted plus the ledger's fields")
    func storedEnvelope() throws {
        let dir = FixtureDirectory("envelope")
        let log = try EventLog(directory: dir.path)
        let id = fixtureID(77)
        let answer = try log.append([fixtureEvent("customer.profiled", id: id, occurredAt: "2026-04-10T11:00:00.5+02:00",
                                                  expectedVersion: 0, source: "crm",
                                                  metadata: ["actor": "ops", "correlationId": "x"])])
        let envelope = try #require(try log.events().first).envelope()
        #expect(envelope["id"] == .string(id))
        #expect(envelope["type"] == "customer.profiled")
        #expect(envelope["customerId"] == "cust-1")
        #expect(envelope["occurredAt"] == "2026-04-10T11:00:00.5+02:00")
        #expect(envelope["source"] == "crm")
        #expect(envelope["metadata"] == ["actor": "ops", "correlationId": "x"])
        #expect(envelope["data"] == fixtureData(for: "customer.profiled"))
        #expect(envelope["position"] == 1)
        #expect(envelope["stream"] == "customer-cust-1")
        #expect(envelope["streamVersion"] == 1)
        #expect(envelope["hash"] == .string(answer[0].hash))
        #expect(envelope["recordedAt"]?.stringValue.flatMap(Timestamp.parseDateTime) != nil)
        #expect(envelope["expectedVersion"] == nil)
        #expect(envelope.objectValue?.count == 12)
    }

    @Test("each hash recomputed independently matches the stored chain")
    func hashChain() throws {
        let dir = FixtureDirectory("chain")
        let log = try EventLog(directory: dir.path)
        var answers: [AppendedEvent] = []
        // Data that exercises canonicalisation: non-ASCII keys and text, escapes, numbers.
        let tricky: JSONValue = [
            "channel": "social", "direction": "inbound", "public": true,
            "summary": "Zoë said \"never again\" \u{1F620}\n\ttab \u{0007} bell / slash",
            "sentiment": -0.875, "extra": ["big": 1e21, "small": 0.000001, "tiny": 1e-7, "neg0": -0.0, "int": 100],
            "\u{20AC}": "euro key", "\u{FB33}": 1, "\u{1F600}": 2, "aa": ["z": 1, "a": [3, 2, 1]],
        ]
        answers += try log.append([fixtureEvent("interaction.recorded", data: tricky, metadata: ["é": "é", "e": "e"])])
        for round in 0..<10 {
            answers += try log.append(try (0..<7).map { try fixtureInteraction(round * 7 + $0 + 1) })
        }
        answers += try log.append([fixtureEvent("review.held", customer: nil), fixtureEvent("sla.policy_set", customer: nil)])
        let stored = try log.events()
        #expect(stored.count == 73)
        let recomputed = try fixtureRecheckChain(stored)
        #expect(recomputed == answers.map(\.hash))
        #expect(try log.head().hash == answers.last?.hash)
        #expect(try log.head().position == 73)
        // The data is stored as given (canonical form of it).
        #expect(try stored[0].envelope()["data"] == tricky)
        let report = try LogVerifier.verify(log)
        #expect(report.isValid)
        #expect(report.eventsChecked == 73)
        #expect(report.head.hash == answers.last?.hash)
    }
}

// MARK: - Group commit and map growth

@Suite("Event log: group commit and growth")
struct EventLogConcurrencyTests {
    @Test("64 concurrent tasks appending 50 single events each: 3200 gap-free positions")
    func concurrentAppends() async throws {
        let dir = FixtureDirectory("group-commit")
        let log = try EventLog(directory: dir.path)
        let answers = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for task in 0..<64 {
                group.addTask {
                    var mine: [AppendedEvent] = []
                    for n in 0..<50 {
                        let e = try fixtureInteraction(n, customer: "task-\(task)", salt: task + 1)
                        mine += try await log.append([e])
                    }
                    return mine
                }
            }
            var all: [[AppendedEvent]] = []
            for try await part in group { all.append(part) }
            return all
        }
        #expect(answers.count == 64)
        for part in answers {
            #expect(part.map(\.streamVersion) == Array(1...50))
            #expect(Set(part.map(\.stream)).count == 1)
            // One task's events are in its order.
            #expect(part.map(\.position) == part.map(\.position).sorted())
        }
        let positions = answers.flatMap { $0 }.map(\.position).sorted()
        #expect(positions == Array(1...3200))
        #expect(answers.flatMap { $0 }.allSatisfy { !$0.alreadyStored })
        let stored = try log.events()
        #expect(stored.map(\.position) == Array(1...3200))
        try fixtureRecheckChain(stored)
        let report = try LogVerifier.verify(log)
        #expect(report.isValid)
        #expect(report.head.position == 3200)
    }

    @Test("the same event posted by many concurrent requests is stored once")
    func concurrentRetries() async throws {
        let dir = FixtureDirectory("concurrent-retries")
        let log = try EventLog(directory: dir.path)
        let event = try fixtureInteraction(1)
        let other = try fixtureInteraction(2)
        let answers = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for task in 0..<32 {
                group.addTask { try await log.append(task % 2 == 0 ? [event] : [other, event]) }
            }
            var all: [[AppendedEvent]] = []
            for try await a in group { all.append(a) }
            return all
        }
        let forEvent = answers.compactMap { $0.last }
        let forOther = answers.filter { $0.count == 2 }.map { $0[0] }
        #expect(forEvent.filter { !$0.alreadyStored }.count == 1)
        #expect(Set(forEvent.map(\.position)).count == 1)
        #expect(Set(forEvent.map(\.hash)).count == 1)
        #expect(forOther.filter { !$0.alreadyStored }.count == 1)
        #expect(Set(forOther.map(\.position)).count == 1)
        #expect(try log.events().count == 2)
        #expect(try LogVerifier.verify(log).isValid)
    }

    @Test("one bad request in a concurrent burst fails alone")
    func badRequestFailsAlone() async throws {
        let dir = FixtureDirectory("burst")
        let log = try EventLog(directory: dir.path)
        try await log.append([fixtureCaseEvent("case.opened", "C")])
        let badEvents = [try fixtureInteraction(9999, salt: 99),
                         try fixtureCaseEvent("case.closeout_accepted", "C", id: fixtureID(9998, salt: 99))]
        enum Outcome: Sendable { case ok([AppendedEvent]), failed(Int, AppendFailure?) }
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for task in 0..<40 {
                group.addTask {
                    if task == 20 {
                        do { return .ok(try await log.append(badEvents)) } catch {
                            return .failed(task, error as? AppendFailure)
                        }
                    }
                    let events = try (0..<3).map { try fixtureInteraction($0, customer: "burst-\(task)", salt: task + 1) }
                    do { return .ok(try await log.append(events)) } catch {
                        return .failed(task, error as? AppendFailure)
                    }
                }
            }
            var all: [Outcome] = []
            for try await o in group { all.append(o) }
            return all
        }
        var failures: [(Int, AppendFailure?)] = []
        var positions: [Int] = []
        for o in outcomes {
            switch o {
            case .ok(let a): positions += a.map(\.position)
            case .failed(let task, let f): failures.append((task, f))
            }
        }
        #expect(failures.count == 1)
        #expect(failures.first?.0 == 20)
        #expect(failures.first?.1?.index == 1)
        #expect(failures.first?.1?.error.code == .lifecycleViolation)
        #expect(positions.sorted() == Array(2...118))
        // The good event of the bad request is absent.
        #expect(try log.events(filter: .init(customerId: "cust-\(9999 % 97)")).isEmpty)
        #expect(try log.events().count == 118)
        #expect(try LogVerifier.verify(log).isValid)
        #expect(try fixtureCaseState(log, "C")?.status == .open)
    }

    @Test("a 1 MiB map grows by itself while 20,000 realistic events are appended")
    func tinyMapGrows() throws {
        let dir = FixtureDirectory("tiny-map")
        let log = try EventLog(directory: dir.path, options: .init(mapSize: 1 << 20))
        #expect(log.environment.mapSize == 1 << 20)
        // The first batch alone is larger than the whole initial map.
        var answers = try log.append(try (1...5000).map { try fixtureInteraction($0) })
        for start in stride(from: 5001, through: 20000, by: 500) {
            answers += try log.append(try (start..<(start + 500)).map { try fixtureInteraction($0) })
        }
        #expect(answers.map(\.position) == Array(1...20000))
        #expect(log.environment.mapSize > 1 << 20)
        let sample = try #require(try log.events(from: 1234, limit: 1).first)
        #expect(sample.json.count > 250 && sample.json.count < 700)
        let report = try LogVerifier.verify(log)
        #expect(report.isValid)
        #expect(report.eventsChecked == 20000)
    }

    @Test("a 1 MiB map grows under concurrent group commits")
    func tinyMapGrowsUnderGroupCommit() async throws {
        let dir = FixtureDirectory("tiny-map-async")
        let log = try EventLog(directory: dir.path, options: .init(mapSize: 1 << 20))
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var n = 0
                    for i in 0..<25 {
                        let batch = try (0..<20).map { try fixtureInteraction(i * 20 + $0, salt: task + 1) }
                        n += try await log.append(batch).count
                    }
                    return n
                }
            }
            var total = 0
            for try await n in group { total += n }
            return total
        }
        #expect(count == 8000)
        #expect(try log.events().map(\.position) == Array(1...8000))
        #expect(try LogVerifier.verify(log).isValid)
    }
}
