import Foundation
import Testing
@testable import CXLedgerCore

/// One RFC 8785 vector from jcs-vectors.json.
struct CanonicalJSONTestVector: Sendable, CustomTestStringConvertible {
    var why: String
    var input: String
    var canonical: String
    var testDescription: String { why }
}

/// Loads the vectors from the repo's own fixture copy (CI clones only the repo), falling back to the shared
/// test data next to the repo. Parsed with JSONParser itself; the canonical text is compared byte for byte.
private func loadJCSVectors() throws -> [CanonicalJSONTestVector] {
    let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let repoRoot = testDirectory.deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [
        testDirectory.appendingPathComponent("Fixtures/jcs-vectors.json"),
        repoRoot.appendingPathComponent("../shared/testdata/jcs-vectors.json").standardizedFileURL,
    ]
    guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
        throw VectorFileMissing(searched: candidates.map(\.path))
    }
    let document = try JSONParser.parse([UInt8](try Data(contentsOf: url)))
    guard let vectors = document["vectors"]?.arrayValue else { throw VectorFileMissing(searched: [url.path]) }
    return vectors.compactMap { v in
        guard let why = v["why"]?.stringValue, let input = v["input"]?.stringValue,
              let canonical = v["canonical"]?.stringValue else { return nil }
        return CanonicalJSONTestVector(why: why, input: input, canonical: canonical)
    }
}

private struct VectorFileMissing: Error, CustomStringConvertible {
    var searched: [String]
    var description: String { "jcs-vectors.json not found; looked in \(searched)" }
}

private func canonical(_ text: String) throws -> String {
    String(decoding: CanonicalJSON.encode(try JSONParser.parse(text)), as: UTF8.self)
}

private func canonicalNumber(_ d: Double) -> String {
    var out: [UInt8] = []
    CanonicalJSON.encodeNumber(d, into: &out)
    return String(decoding: out, as: UTF8.self)
}

@Suite struct CanonicalJSONTests {
    @Test func vectorFileIsPresentAndNonTrivial() throws {
        #expect(try loadJCSVectors().count >= 14)
    }

    @Test(arguments: try loadJCSVectors())
    func jcsVector(_ vector: CanonicalJSONTestVector) throws {
        let out = CanonicalJSON.encode(try JSONParser.parse(vector.input))
        #expect(out == Array(vector.canonical.utf8))
    }

    @Test func canonicalisationIsIdempotent() throws {
        for vector in try loadJCSVectors() {
            #expect(try canonical(vector.canonical) == vector.canonical)
        }
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (0.1, "0.1"), (-0.5, "-0.5"),
        (4.5, "4.5"), (0.002, "0.002"), (1e-6, "0.000001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"),
        (1.25e-7, "1.25e-7"), (123e-20, "1.23e-18"), (1e20, "100000000000000000000"),
        (1e21, "1e+21"), (1.5e21, "1.5e+21"), (1e30, "1e+30"), (123456789012345683968, "123456789012345680000"),
        (9007199254740991, "9007199254740991"), (9007199254740992, "9007199254740992"),
        (9007199254740994, "9007199254740994"), (18446744073709551616, "18446744073709552000"),
        (-9223372036854775808, "-9223372036854776000"), (333333333.33333329, "333333333.3333333"),
        (.leastNonzeroMagnitude, "5e-324"), (-.leastNonzeroMagnitude, "-5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"), (9.999999999999997e-7, "9.999999999999997e-7"),
        (0.000001234, "0.000001234"), (123.456, "123.456"), (1e16, "10000000000000000"),
        (12345678.9, "12345678.9"), (0.30000000000000004, "0.30000000000000004"),
    ] as [(Double, String)])
    func ecmaScriptNumbers(_ value: Double, _ expected: String) {
        #expect(canonicalNumber(value) == expected)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(canonicalNumber(.nan) == "null")
        #expect(canonicalNumber(.infinity) == "null")
        #expect(canonicalNumber(-.infinity) == "null")
    }

    @Test func numbersRoundTripThroughTheParser() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let d = Double(bitPattern: generator.next() as UInt64)
            guard d.isFinite else { continue }
            let text = canonicalNumber(d)
            let back = try JSONParser.parse(text).doubleValue
            #expect(back == (d == 0 ? 0 : d), "\(text)")
        }
    }

    @Test func stringEscapes() {
        var out: [UInt8] = []
        CanonicalJSON.encodeString("a\"b\\c/\u{7F}\u{08}\u{0C}\n\r\t\u{00}\u{1F}é😂", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"a\\\"b\\\\c/\u{7F}\\b\\f\\n\\r\\t\\u0000\\u001fé😂\"")
    }

    @Test("strings are escaped as a byte-at-a-time reference does, across word boundaries and non-ASCII runs")
    func stringEscapesMatchAReference() {
        func reference(_ s: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for c in s.utf8 {
                switch c {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x08: out += Array("\\b".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0x0A: out += Array("\\n".utf8)
                case 0x0C: out += Array("\\f".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", Int(c)).utf8)
                default: out.append(c)
                }
            }
            return out + [0x22]
        }
        let pieces = ["a", "plain text ", "\"", "\\", "\u{7F}", "/", "é", "日本語", "😀", "\u{0}", "\u{1F}", "\n", "\t", "\u{8}",
                      "\u{C}", "\r", "0123456789abcdef"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let s = (0..<Int.random(in: 0...24, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var out: [UInt8] = []
            CanonicalJSON.encodeString(s, into: &out)
            #expect(out == reference(s), "\(s.debugDescription)")
        }
    }

    @Test func keysSortByUTF16CodeUnits() {
        // U+FFFD sorts after U+1F602 in UTF-16 (0xFFFD > 0xD83D) though before it by code point.
        let keys = ["\u{FFFD}", "\u{1F602}", "\u{E000}", "\u{D7FF}", "z", "", "aa", "a", "\u{10000}", "\u{EFFF}"]
        var members: [String: JSONValue] = [:]
        for (index, key) in keys.enumerated() { members[key] = .number(Double(index)) }
        let out = CanonicalJSON.encode(.object(members))

        let expectedOrder = keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
        var expected: [UInt8] = [UInt8(ascii: "{")]
        for (position, key) in expectedOrder.enumerated() {
            if position > 0 { expected.append(UInt8(ascii: ",")) }
            CanonicalJSON.encodeString(key, into: &expected)
            expected.append(UInt8(ascii: ":"))
            CanonicalJSON.encodeNumber(Double(keys.firstIndex(of: key)!), into: &expected)
        }
        expected.append(UInt8(ascii: "}"))
        #expect(out == expected)
        #expect(expectedOrder.firstIndex(of: "\u{1F602}")! < expectedOrder.firstIndex(of: "\u{FFFD}")!)
    }

    @Test func utf16ComparatorMatchesTranscodingOnRandomKeys() {
        let alphabet: [Unicode.Scalar] = ["a", "b", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}",
                                          "\u{EFFF}", "\u{F000}", "\u{FFFF}", "\u{10000}", "\u{1F602}", "\u{10FFFF}"]
        var generator = SystemRandomNumberGenerator()
        func randomKey() -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                s.append(alphabet.randomElement(using: &generator)!)
            }
            return String(s)
        }
        for _ in 0..<5_000 {
            let a = randomKey(), b = randomKey()
            #expect(CanonicalJSON.utf16Precedes(a, b) == Array(a.utf16).lexicographicallyPrecedes(Array(b.utf16)),
                    "\(Array(a.unicodeScalars)) vs \(Array(b.unicodeScalars))")
        }
    }

    @Test func nestedValuesHaveNoWhitespace() {
        let value: JSONValue = .object([
            "b": .array([.null, .bool(true), .bool(false), .number(-0.0), .string("")]),
            "a": .object([:]),
        ])
        #expect(String(decoding: CanonicalJSON.encode(value), as: UTF8.self) == "{\"a\":{},\"b\":[null,true,false,0,\"\"]}")
    }

    @Test func encodeIntoAppends() {
        var out = Array("x".utf8)
        CanonicalJSON.encode(.array([.number(1)]), into: &out)
        #expect(out == Array("x[1]".utf8))
    }
}
