import Testing
@testable import CXLedgerCore

/// `JSONParser.parseTopLevelMembers` against `JSONParser.parse` on seeded random documents: the same errors
/// (message and offset), the same accepted values. The keys include escaped and canonically equivalent
/// spellings of one another (`\u0069d` and `id`, the Kelvin sign and `K`, `é` and `e` + U+0301), since a
/// duplicate is judged as dictionary keys judge it.
@Suite struct TopLevelMembersDifferentialTests {
    private static let keys: [String] = [
        #""id""#, #""\u0069d""#, #""i\u0064""#, #""K""#, #""\u212A""#, "\"\u{212A}\"", #""é""#, #""e\u0301""#,
        "\"e\u{301}\"", #""type""#, #""data""#, #""""#, #""\ud83d\ude00""#, "\"\u{1F600}\"", #"";""#, #""\u037E""#,
        #""\u0000""#, #""x\"y""#,
    ]

    private static func value(_ r: inout FixtureRandom, depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 9), using: &r) {
        case 0: return "null"
        case 1: return "true"
        case 2: return ["0", "-0", "1.5", "1e400", "01", "1.", "-"].randomElement(using: &r)!
        case 3: return [#""x""#, #""\ud800""#, #""\u00e9""#, #""\q""#].randomElement(using: &r)!
        case 4: return "{}"
        case 5: return "[]"
        case 6, 7: return object(&r, depth: depth + 1)
        default:
            return "[" + (0..<Int.random(in: 0...3, using: &r)).map { _ in value(&r, depth: depth + 1) }
                .joined(separator: ",") + "]"
        }
    }

    /// Up to 20 members, so both ways of finding a duplicate (pairwise, and by set) are exercised.
    private static func object(_ r: inout FixtureRandom, depth: Int) -> String {
        let count = Int.random(in: 0...(Bool.random(using: &r) ? 4 : 20), using: &r)
        let members = (0..<count).map { _ in
            let key = Bool.random(using: &r) ? keys.randomElement(using: &r)! : "\"k\(Int.random(in: 0..<25, using: &r))\""
            return key + ":" + value(&r, depth: depth)
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    @Test func agreesWithParseOnRandomDocuments() {
        var r = FixtureRandom(seed: 20261123)
        var outcomes = (accepted: 0, duplicates: 0, otherErrors: 0)
        let noise = Array("{}[]\":, \\u".utf8) + [0x80, 0xC3]
        for _ in 0..<20_000 {
            var text = Int.random(in: 0..<10, using: &r) == 0 ? Self.value(&r, depth: 0) : Self.object(&r, depth: 0)
            if Bool.random(using: &r) { text += [" ", " x", " {}"].randomElement(using: &r)! }
            var bytes = Array(text.utf8)
            if Bool.random(using: &r), !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &r)] = noise.randomElement(using: &r)!
            }
            let depth = Int.random(in: 0..<8, using: &r) == 0 ? Int.random(in: 0...3, using: &r) : 512
            let whole = Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parse(bytes[...], maxDepth: depth) }
            let members = Result { () throws(JSONParseError) -> JSONParser.TopLevel in
                try JSONParser.parseTopLevelMembers(bytes[...], maxDepth: depth)
            }
            let agree: Bool
            switch (whole, members) {
            case (.failure(let a), .failure(let b)):
                agree = a == b
                if a.message.hasPrefix("duplicate key") { outcomes.duplicates += 1 } else { outcomes.otherErrors += 1 }
            case (.success(.object(let object)), .success(.members(let list))):
                agree = list.count == object.count && list.allSatisfy { object[$0.key] == $0.value }
                outcomes.accepted += 1
            case (.success(let value), .success(.other(let other))):
                agree = value == other && value.objectValue == nil
                outcomes.accepted += 1
            default:
                agree = false
            }
            guard agree else {
                Issue.record("\(String(decoding: bytes, as: UTF8.self)) at depth \(depth): parse gave \(whole), members \(members)")
                return
            }
        }
        // Each kind of outcome must have come up often, or the test proves little.
        #expect(outcomes.accepted > 2_000 && outcomes.duplicates > 500 && outcomes.otherErrors > 2_000, "\(outcomes)")
    }
}
