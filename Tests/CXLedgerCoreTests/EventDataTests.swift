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

    @Test("scalars read where they lie agree with the parser, and bytes the parser refuses read as absent")
    func scalarsReadInPlace() {
        eventDataAgree([
            "i": 7, "neg": -42, "big": 123_456_789_012_345, "bigger": 1_234_567_890_123_456, "max": 9_007_199_254_740_992,
            "frac": -0.78, "exp": 1e21, "s": "plain", "e": "", "u": "caf\u{E9} \u{1F600}", "esc": "line\nbreak",
        ])
        func stored(_ json: String) -> EventData { EventData(canonical: Array(json.utf8)) }
        #expect(stored(#"{"a":-0}"#)["a"] == .number(-0.0))
        #expect(stored(#"{"a":0,"b":1}"#)["a"] == .number(0))
        #expect(stored(#"{"a":12.5}"#)["a"] == .number(12.5))
        #expect(stored(#"{"a":12e2}"#)["a"] == .number(1200))
        // JSON forbids leading zeros and a bare minus sign; the parser refuses them, so they read as absent.
        #expect(stored(#"{"a":012}"#)["a"] == nil)
        #expect(stored(#"{"a":-}"#)["a"] == nil)
        #expect(stored(#"{"a":tru}"#)["a"] == nil)
        #expect(stored(#"{"a":nul,"b":1}"#)["a"] == nil)
        // A control character, or bytes that are not UTF-8, inside a string.
        #expect(EventData(canonical: Array(#"{"a":"x"#.utf8) + [0x01] + Array(#""}"#.utf8))["a"] == nil)
        #expect(EventData(canonical: Array(#"{"a":"x"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))["a"] == nil)
        #expect(stored(#"{"a":"unterminated}"#)["a"] == nil)
    }
}
