import Foundation
import Testing
@testable import CXLedgerCore

// `EventData` read from stored canonical bytes must answer exactly as the dictionary it was encoded from.

/// Every member, and some absent names, looked up both ways.
private func eventDataAgree(_ members: [String: JSONValue], sourceLocation: SourceLocation = #_sourceLocation) {
    let stored = EventData(canonical: CanonicalJSON.encode(.object(members)))
    for (name, value) in members {
        #expect(stored[name] == value, "member \(name)", sourceLocation: sourceLocation)
    }
    for absent in ["", "absent", "segment ", "Segment"] where members[absent] == nil {
        #expect(stored[absent] == nil, "absent \(absent)", sourceLocation: sourceLocation)
    }
    #expect(stored.members == members, sourceLocation: sourceLocation)
}

@Suite("Event data read from stored bytes")
struct EventDataTests {
    @Test("every member of a generated history's events reads the same from stored bytes as from the dictionary")
    func generatedHistory() throws {
        var generator = HistoryGenerator(seed: 99, parameters: .init(customers: 40, openCaseTarget: 30))
        let events = try generator.nextBatch(3_000)
        var types = Set<EventType>()
        for event in events {
            eventDataAgree(event.data)
            types.insert(event.type)
        }
        #expect(types.count >= 15, "the history covers \(types.count) event types")
    }

    @Test("names with escapes, strings holding JSON punctuation, nesting, numbers and literals")
    func awkwardMembers() {
        eventDataAgree([
            "a\"b": "quoted name", "back\\slash": 1, "": "empty name", "tab\tname": true, "é": "non-ASCII name",
            "text": "closes } and ] and , and \" and \\ inside", "nested": ["a": [1, 2, ["b": "}"]], "c": [:]],
            "list": [[], [[]], ["x", "]"]], "n": -12.5e3, "zero": 0, "t": true, "f": false, "none": .null,
            "z-last": "after everything",
        ])
        eventDataAgree([:])
        eventDataAgree(["only": "one"])
    }

    @Test("the structural skipper finds where values end and refuses ones that do not")
    func skipper() {
        func end(_ text: String, at start: Int = 0) -> Int? {
            Array(text.utf8).withUnsafeBytes { JSONSkipper.endOfValue($0, at: start) }
        }
        #expect(end(#""a\"}b",1"#) == 7)
        #expect(end(#"{"k":[1,{"x":"]"}]},2"#) == 19)
        #expect(end("123,4") == 3)
        #expect(end("true}") == 4)
        #expect(end("[1,2]") == 5)
        #expect(end("12") == 2)
        #expect(end(#"{"k":1"#) == nil)
        #expect(end(#""unterminated"#) == nil)
        #expect(end("[[1]") == nil)
        #expect(end(",") == nil)
        #expect(end("}") == nil)
    }
}
