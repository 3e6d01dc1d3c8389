import Testing
@testable import CXLedgerCore

/// Parses `bytes` and returns the error, or records a failure if it was accepted.
private func parseError(_ bytes: [UInt8], maxDepth: Int = 512) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        Issue.record("accepted \(String(decoding: bytes.prefix(60), as: UTF8.self)) as \(value)")
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String, maxDepth: Int = 512) -> JSONParseError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

@Suite struct JSONParserTests {
    // MARK: Acceptance

    @Test func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse(" \t\r\nfalse \t\r\n") == .bool(false))
        #expect(try JSONParser.parse("\"hi\"") == .string("hi"))
        #expect(try JSONParser.parse("0") == .number(0))
        #expect(try JSONParser.parse("-0").doubleValue?.sign == .minus)
        #expect(try JSONParser.parse("-12.5e2") == .number(-1250))
        #expect(try JSONParser.parse("1E+2") == .number(100))
        #expect(try JSONParser.parse("1e-2") == .number(0.01))
        #expect(try JSONParser.parse("1e-400") == .number(0))
    }

    @Test func containers() throws {
        let value = try JSONParser.parse(#" { "a" : [ 1 , { } , [ ] , "x" ] , "b" : { "c" : null } } "#)
        #expect(value == .object([
            "a": .array([.number(1), .object([:]), .array([]), .string("x")]),
            "b": .object(["c": .null]),
        ]))
    }

    @Test func overloadsAgree() throws {
        let text = #"{"k":[1,2.5,"é"]}"#
        let bytes = Array(text.utf8)
        let fromString = try JSONParser.parse(text)
        #expect(try JSONParser.parse(bytes) == fromString)
        #expect(try JSONParser.parse(([0x20] + bytes + [0x20])[1...]) == fromString)
        #expect(try bytes.withUnsafeBytes { try JSONParser.parse($0) } == fromString)
    }

    @Test func stringEscapesDecode() throws {
        let value = try JSONParser.parse(#""a\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude02\u0000z""#)
        #expect(value == .string("a\"\\/\u{08}\u{0C}\n\r\tAé€😂\u{0}z"))
    }

    @Test func validMultibyteUTF8() throws {
        let text = "\"\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}\""
        #expect(try JSONParser.parse(text) == .string(String(text.dropFirst().dropLast())))
    }

    @Test(arguments: [
        ("0.1", 0.1), ("123456789012345678901234567890", 1.2345678901234568e29), ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)),
        ("9007199254740993", 9007199254740992), ("9007199254740995", 9007199254740996),
        ("0.30000000000000004", 0.30000000000000004), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("4.9e-324", .leastNonzeroMagnitude), ("2.4703282292062328e-324", .leastNonzeroMagnitude), ("1e22", 1e22), ("1e23", 1e23),
        ("123.456e-5", 0.00123456), ("0.000000000000000000000000001", 1e-27),
        ("100000000000000000000000", 1e23), ("3.14159265358979323846264338327950288", 3.141592653589793),
    ] as [(String, Double)])
    func numbersRoundCorrectly(_ text: String, _ expected: Double) throws {
        #expect(try JSONParser.parse(text).doubleValue == expected)
        #expect(try JSONParser.parse("-" + text).doubleValue == -expected)
    }

    @Test func maxDepthIsInclusive() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try JSONParser.parse(ok)
        let objects = String(repeating: "{\"a\":", count: 512) + "1" + String(repeating: "}", count: 512)
        _ = try JSONParser.parse(objects)
    }

    // MARK: Rejection

    @Test func emptyInput() {
        #expect(parseError("")?.message == "empty input")
        #expect(parseError(" \n\t\r")?.message == "empty input")
    }

    @Test func deepNestingIsRejectedWithoutCrashing() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 10_000)
        let error = parseError(deep)
        #expect(error?.message == "nesting deeper than 512 levels at byte 512")
        #expect(error?.offset == 512)

        let deepObjects = Array(String(repeating: "{\"a\":", count: 10_000).utf8)
        #expect(parseError(deepObjects)?.message.hasPrefix("nesting deeper than 512 levels") == true)

        let justOver = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(parseError(justOver)?.message.hasPrefix("nesting deeper than 512 levels") == true)
        #expect(parseError("[[[1]]]", maxDepth: 2)?.message == "nesting deeper than 2 levels at byte 2")
    }

    @Test func maxDepthAboveTheDefaultIsHonoured() throws {
        // Kept modest: the parser is iterative, but destroying a deeply nested JSONValue recurses.
        let n = 2_000
        let text = String(repeating: "[", count: n) + String(repeating: "]", count: n)
        _ = try JSONParser.parse(text, maxDepth: .max)
    }

    @Test(arguments: [
        ([0x22, 0xC0, 0x80, 0x22], 1, "overlong NUL"),
        ([0x22, 0xC1, 0xBF, 0x22], 1, "overlong two-byte"),
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, "overlong three-byte"),
        ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1, "overlong four-byte"),
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "UTF-8-encoded high surrogate"),
        ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1, "UTF-8-encoded low surrogate"),
        ([0x22, 0x61, 0xC3, 0x22], 2, "truncated two-byte"),
        ([0x22, 0xE2, 0x82, 0x22], 1, "truncated three-byte"),
        ([0x22, 0xF0, 0x9F, 0x98], 1, "truncated at end of input"),
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "beyond U+10FFFF"),
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, "byte F5"),
        ([0x22, 0xFF, 0x22], 1, "byte FF"),
        ([0x22, 0x80, 0x22], 1, "lone continuation byte"),
        ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 3, "invalid after an escape"),
    ] as [([UInt8], Int, String)])
    func invalidUTF8(_ bytes: [UInt8], _ offset: Int, _ why: String) {
        let error = parseError(bytes)
        #expect(error?.message == "invalid UTF-8 at byte \(offset)", "\(why)")
        #expect(error?.offset == offset, "\(why)")
    }

    @Test func invalidUTF8OutsideStrings() {
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x31])?.message == "unexpected non-ASCII byte 0xEF at byte 0")
    }

    @Test func controlCharactersInStrings() {
        #expect(parseError("\"a\u{01}\"")?.message == "unescaped control character 0x01 in string at byte 2")
        #expect(parseError("\"a\nb\"")?.message == "unescaped control character 0x0A in string at byte 2")
        #expect(parseError("\"\\n\tb\"")?.message == "unescaped control character 0x09 in string at byte 3")
        #expect(parseError([0x22, 0x00, 0x22])?.message == "unescaped control character 0x00 in string at byte 1")
    }

    @Test func unpairedSurrogateEscapes() {
        #expect(parseError(#""\ud83d""#)?.message == "unpaired surrogate \\uD83D at byte 1")
        #expect(parseError(#""\ud83dx""#)?.message == "unpaired surrogate \\uD83D at byte 1")
        #expect(parseError(#""\ud83d\u0041""#)?.message == "unpaired surrogate \\uD83D at byte 1")
        #expect(parseError(#""\ud83d\ud83d""#)?.message == "unpaired surrogate \\uD83D at byte 1")
        #expect(parseError(#""x\ude02""#)?.message == "unpaired surrogate \\uDE02 at byte 2")
    }

    @Test func badEscapes() {
        #expect(parseError(#""\x""#)?.message == "invalid escape character 'x' at byte 1")
        #expect(parseError(#""\u12G4""#)?.message == "invalid \\u escape: expected a hex digit but found character 'G' at byte 5")
        #expect(parseError(#""\'""#)?.message == "invalid escape character ''' at byte 1")
    }

    @Test func unterminatedStrings() {
        #expect(parseError("\"abc")?.message == "unterminated string starting at byte 0")
        #expect(parseError("[\"a\\\"]")?.message == "unterminated string starting at byte 1")
        #expect(parseError("{\"a")?.message == "unterminated string starting at byte 1")
    }

    @Test(arguments: [
        ("01", "leading zeros are not allowed in numbers at byte 0"),
        ("-01", "leading zeros are not allowed in numbers at byte 0"),
        ("[00]", "leading zeros are not allowed in numbers at byte 1"),
        ("+1", "unexpected character '+' at byte 0"),
        (".5", "unexpected character '.' at byte 0"),
        ("1.", "expected a digit after the decimal point at byte 2"),
        ("1.e5", "expected a digit after the decimal point at byte 2"),
        ("1e", "expected a digit in the exponent at byte 2"),
        ("1e+", "expected a digit in the exponent at byte 3"),
        ("-", "unexpected end of input at byte 1"),
        ("-a", "unexpected character 'a' at byte 1"),
        ("NaN", "unexpected character 'N' at byte 0"),
        ("Infinity", "unexpected character 'I' at byte 0"),
        ("-Infinity", "unexpected character 'I' at byte 1"),
        ("1e400", "number out of range at byte 0"),
        ("-1e400", "number out of range at byte 0"),
        ("[1.8e308]", "number out of range at byte 1"),
        ("0x10", "trailing characters after the JSON value at byte 1"),
        ("1 2", "trailing characters after the JSON value at byte 2"),
    ] as [(String, String)])
    func badNumbers(_ text: String, _ message: String) {
        #expect(parseError(text)?.message == message)
    }

    @Test(arguments: [
        ("[1,]", "unexpected character ']' at byte 3"),
        ("[1,,2]", "unexpected character ',' at byte 3"),
        ("[,1]", "unexpected character ',' at byte 1"),
        ("{\"a\":1,}", "expected a string key but found character '}' at byte 7"),
        ("{,}", "expected a string key but found character ',' at byte 1"),
        ("{\"a\" 1}", "unexpected character '1' at byte 5"),
        ("{\"a\":1 \"b\":2}", "unexpected character '\"' at byte 7"),
        ("{a:1}", "expected a string key but found character 'a' at byte 1"),
        ("[1 2]", "unexpected character '2' at byte 3"),
        ("[1}", "unexpected character '}' at byte 2"),
        ("{\"a\":1]", "unexpected character ']' at byte 6"),
        ("[", "unexpected end of input at byte 1"),
        ("[1", "unexpected end of input at byte 2"),
        ("{\"a\":", "unexpected end of input at byte 5"),
        ("{\"a\":1", "unexpected end of input at byte 6"),
        ("tru", "unexpected end of input at byte 3"),
        ("nul1", "unexpected character '1' at byte 3"),
        ("True", "unexpected character 'T' at byte 0"),
        ("[] []", "trailing characters after the JSON value at byte 3"),
        ("{}x", "trailing characters after the JSON value at byte 2"),
        ("\u{0C}1", "unexpected byte 0x0C at byte 0"),
        ("1\u{A0}", "trailing characters after the JSON value at byte 1"),
        ("'a'", "unexpected character ''' at byte 0"),
    ] as [(String, String)])
    func badStructure(_ text: String, _ message: String) {
        #expect(parseError(text)?.message == message)
    }

    @Test func duplicateKeys() {
        let error = parseError(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.message == "duplicate key \"a\" at byte 13")
        #expect(error?.offset == 13)
        // Escaped and literal spellings of one key are the same key.
        #expect(parseError(#"{"é":1,"\u00e9":2}"#)?.message == "duplicate key \"é\" at byte 8")
        #expect(parseError(#"{"x":{"q":1,"q":{}}}"#)?.message == "duplicate key \"q\" at byte 12")
    }

    /// Reading a document for its top-level members gives what `parse` gives, error for error.
    @Test(arguments: [
        #"{"a":1,"b":{"c":[true,null]},"d":"x"}"#, #"[1,{"a":2}]"#, #""just a string""#, "42", "{}",
        #"{"a":1,"b":2,"a":3}"#, #"{"é":1,"\u00e9":2}"#, #"{"e\u0301":1,"é":2}"#, #"{"x":{"q":1,"q":{}},"x":2}"#,
        #"{"a":1,"a":2} x"#, #"{"a":1,"a":2"#, #"{"a":1} {"#, #"{"a" 1}"#, #"{"id":"\ud800"}"#, "",
        "{" + (0..<20).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}",
        "{" + (0..<20).map { #""k\#($0 % 19)":\#($0)"# }.joined(separator: ",") + "}",
        // The Kelvin sign is canonically a K, so these two keys are one key, as they are in a dictionary.
        #"{"K3":0,"\#u{212A}3":1}"#,
    ])
    func topLevelMembersAgreeWithParse(_ text: String) {
        let bytes = Array(text.utf8)[...]
        let whole = Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parse(bytes) }
        let members = Result { () throws(JSONParseError) -> JSONParser.TopLevel in try JSONParser.parseTopLevelMembers(bytes) }
        switch (whole, members) {
        case (.failure(let a), .failure(let b)):
            #expect(a == b)
        case (.success(.object(let object)), .success(.members(let list))):
            #expect(list.count == object.count)
            #expect(Dictionary(list.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) == object)
            #expect(list.map(\.offset) == list.map(\.offset).sorted())
        case (.success(let value), .success(.other(let other))):
            #expect(value == other)
            #expect(value.objectValue == nil)
        default:
            Issue.record("parse gave \(whole), parseTopLevelMembers gave \(members)")
        }
    }

    @Test func errorDescriptionIsTheMessage() {
        let error = JSONParseError(message: "unexpected character 'x' at byte 12", offset: 12)
        #expect(error.description == error.message)
        #expect("\(error)" == "unexpected character 'x' at byte 12")
    }

    // MARK: Round trips

    @Test(arguments: [
        JSONValue.null, .bool(true), .number(-0.0 + 0), .number(1e-7), .number(123456.789), .string(""),
        .string("tab\there \"quoted\" \\ / \u{7F} \u{1F} é € 😂 \u{FFFD}"),
        .array([.array([.array([])]), .object([:]), .number(.leastNonzeroMagnitude), .number(-1.7976931348623157e308)]),
        .object([
            "caseId": .string("case-été"), "seq": .number(42), "\u{1F602}": .bool(false), "\u{FFFD}": .null,
            "data": .object(["score": .number(0.1), "tags": .array([.string("a"), .string("b")])]),
        ]),
    ])
    func roundTrip(_ value: JSONValue) throws {
        let bytes = CanonicalJSON.encode(value)
        #expect(try JSONParser.parse(bytes) == value)
        #expect(CanonicalJSON.encode(try JSONParser.parse(bytes)) == bytes)
    }
}
