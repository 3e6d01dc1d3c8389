/// Why a document was rejected, with the byte offset where the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}

/// A strict RFC 8259 parser: anything that could hash two ways, or that RFC 8785 cannot represent, is rejected.
public enum JSONParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(message: "empty input", offset: 0)
        }
        // Every caller hands us memory that is already bound to UInt8 ([UInt8], String's UTF-8),
        // and UInt8 is the byte type itself, so viewing it as UInt8 cannot alias anything.
        var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: bytes.count, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        // withUnsafeBytes is rethrows, which erases the typed error, so carry it out in a Result.
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    public static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses the one JSON value starting exactly at `offset` and returns it with the offset just past it,
    /// leaving whatever follows alone (for walking a known document member by member).
    static func parseValue(_ bytes: UnsafeRawBufferPointer, at offset: Int,
                           maxDepth: Int = 512) throws(JSONParseError) -> (value: JSONValue, end: Int) {
        guard let base = bytes.baseAddress, offset < bytes.count else {
            throw JSONParseError(message: "no value at byte \(offset)", offset: offset)
        }
        // As in `parse`: the memory is bytes already.
        var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: bytes.count, maxDepth: maxDepth)
        parser.i = offset
        parser.stopAfterValue = true
        let value = try parser.parseDocument()
        return (value, parser.i)
    }

    /// A member of an object: its key, the byte offset of the key, and its value.
    public typealias Member = (key: String, offset: Int, value: JSONValue)

    /// A document read for the members of its top-level object (see `parseTopLevelMembers`).
    public enum TopLevel: Sendable {
        /// The top-level object's members in document order; keys are unique.
        case members([Member])
        /// A document whose top-level value is not an object.
        case other(JSONValue)
    }

    /// Parses a whole document as `parse` does, with the same errors, but hands back a top-level object's
    /// members as a list instead of a dictionary: a reader that sorts them into fixed fields (a posted event's
    /// envelope) then never hashes the keys. Nested objects are dictionaries as usual.
    public static func parseTopLevelMembers(_ bytes: ArraySlice<UInt8>,
                                            maxDepth: Int = 512) throws(JSONParseError) -> TopLevel {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> TopLevel in
                guard let base = raw.baseAddress, raw.count > 0 else {
                    throw JSONParseError(message: "empty input", offset: 0)
                }
                // As in `parse`: the memory is bytes already.
                var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: raw.count, maxDepth: maxDepth)
                parser.keepTopLevelMembers = true
                let value = try parser.parseDocument()
                return parser.topLevelMembers.map { .members($0) } ?? .other(value)
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var text = text
        // withUTF8 makes a bridged or foreign string native first, so this always succeeds.
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONParseError) -> JSONValue in
                try parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth)
            }
        }
        return try result.get()
    }
}

// MARK: - Implementation

private enum Byte {
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let comma: UInt8 = 0x2C
    static let colon: UInt8 = 0x3A
    static let minus: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
}

/// Powers of ten that a Double holds exactly; multiplying an exact mantissa by one rounds once, correctly.
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

private struct Parser {
    let p: UnsafePointer<UInt8>
    let n: Int
    let maxDepth: Int
    var i = 0
    /// Return after the first complete value instead of requiring the input to end there.
    var stopAfterValue = false
    /// Leave the members of a top-level object in `topLevelMembers`, in document order, instead of building
    /// a dictionary of them (the document's value is then returned as null).
    var keepTopLevelMembers = false
    var topLevelMembers: [JSONParser.Member]?
    /// Reused across strings with escapes so each one does not allocate a fresh buffer.
    var scratch: [UInt8] = []

    init(p: UnsafePointer<UInt8>, n: Int, maxDepth: Int) {
        self.p = p
        self.n = n
        self.maxDepth = maxDepth
    }

    // MARK: Errors

    static func describe(_ c: UInt8) -> String {
        if c >= 0x21 && c < 0x7F {
            return "character '\(Character(Unicode.Scalar(c)))'"
        }
        let hex = String(c, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }

    func unexpected(at offset: Int) -> JSONParseError {
        guard offset < n else {
            return JSONParseError(message: "unexpected end of input at byte \(offset)", offset: offset)
        }
        let c = p[offset]
        if c >= 0x80 {
            return JSONParseError(message: "unexpected non-ASCII byte 0x\(String(c, radix: 16, uppercase: true)) at byte \(offset)", offset: offset)
        }
        return JSONParseError(message: "unexpected \(Parser.describe(c)) at byte \(offset)", offset: offset)
    }

    func invalidUTF8(at offset: Int) -> JSONParseError {
        JSONParseError(message: "invalid UTF-8 at byte \(offset)", offset: offset)
    }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// Containers are tracked on explicit stacks rather than by recursion, so neither hostile nesting nor a
    /// generous maxDepth can exhaust a thread's stack (Dispatch worker threads may have only 512 KiB).
    /// Elements and members of all open containers share two flat stacks; each container is built once, at
    /// its exact size, when it closes, instead of growing (and, for dictionaries, rehashing) as it fills.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        if i == n { throw JSONParseError(message: "empty input", offset: i) }

        var frames: [(isObject: Bool, start: Int)] = []
        var elements: [JSONValue] = []
        var members: [JSONParser.Member] = []
        var pendingKeys: [(key: String, offset: Int)] = []
        var value: JSONValue

        nextValue: while true {
            skipWhitespace()
            guard i < n else { throw unexpected(at: i) }
            switch p[i] {
            case Byte.openBrace:
                guard frames.count < maxDepth else { throw tooDeep() }
                if frames.isEmpty && members.capacity == 0 && !stopAfterValue {
                    // Room for a posted event at once, rather than growing the stacks a few times per request body
                    // (not for single members read out of stored data).
                    frames.reserveCapacity(4)
                    members.reserveCapacity(24)
                    pendingKeys.reserveCapacity(4)
                }
                i += 1
                skipWhitespace()
                if i < n && p[i] == Byte.closeBrace {
                    i += 1
                    if keepTopLevelMembers && frames.isEmpty {
                        topLevelMembers = []
                        value = .null
                    } else {
                        value = .object([:])
                    }
                } else {
                    pendingKeys.append(try parseKeyAndColon())
                    frames.append((true, members.count))
                    continue nextValue
                }
            case Byte.openBracket:
                guard frames.count < maxDepth else { throw tooDeep() }
                i += 1
                skipWhitespace()
                if i < n && p[i] == Byte.closeBracket {
                    i += 1
                    value = .array([])
                } else {
                    frames.append((false, elements.count))
                    continue nextValue
                }
            case Byte.quote:
                value = .string(try parseString())
            case Byte.minus, Byte.zero...Byte.nine:
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw unexpected(at: i)
            }

            // Hand the finished value to its container, closing as many containers as end here.
            while true {
                guard let frame = frames.last else {
                    if stopAfterValue { return value }
                    skipWhitespace()
                    if i != n {
                        throw JSONParseError(message: "trailing characters after the JSON value at byte \(i)", offset: i)
                    }
                    return value
                }
                skipWhitespace()
                if frame.isObject {
                    let pending = pendingKeys.removeLast()
                    members.append((pending.key, pending.offset, value))
                    guard i < n else { throw unexpected(at: i) }
                    if p[i] == Byte.comma {
                        i += 1
                        skipWhitespace()
                        pendingKeys.append(try parseKeyAndColon())
                        continue nextValue
                    }
                    guard p[i] == Byte.closeBrace else { throw unexpected(at: i) }
                    i += 1
                    frames.removeLast()
                    if keepTopLevelMembers && frames.isEmpty {
                        // The envelope's members stay a list: its reader sorts them into fixed fields itself.
                        if let duplicate = Parser.firstDuplicate(members[frame.start...]) {
                            throw Parser.duplicateKey(duplicate)
                        }
                        // The outermost object's members are all the list holds, so the list is handed over
                        // whole (removing them from a list it then shared would copy it).
                        topLevelMembers = members
                        members = []
                        value = .null
                        continue
                    }
                    var object = [String: JSONValue](minimumCapacity: members.count - frame.start)
                    for member in members[frame.start...] {
                        if object.updateValue(member.value, forKey: member.key) != nil {
                            throw Parser.duplicateKey(member)
                        }
                    }
                    members.removeSubrange(frame.start...)
                    value = .object(object)
                } else {
                    elements.append(value)
                    guard i < n else { throw unexpected(at: i) }
                    if p[i] == Byte.comma {
                        i += 1
                        continue nextValue
                    }
                    guard p[i] == Byte.closeBracket else { throw unexpected(at: i) }
                    i += 1
                    frames.removeLast()
                    value = .array(Array(elements[frame.start...]))
                    elements.removeSubrange(frame.start...)
                }
            }
        }
    }

    static func duplicateKey(_ member: JSONParser.Member) -> JSONParseError {
        JSONParseError(message: "duplicate key \(Parser.quoted(member.key)) at byte \(member.offset)", offset: member.offset)
    }

    /// The first member, in document order, whose key an earlier member already has: the one a dictionary
    /// built in order would refuse. Keys compare as Strings do, as dictionary keys do.
    static func firstDuplicate(_ members: ArraySlice<JSONParser.Member>) -> JSONParser.Member? {
        if members.count <= 16 && members.allSatisfy({ $0.key.utf8.allSatisfy { $0 < 0x80 } }) {
            // Pairwise is cheaper than hashing for the dozen members of an envelope. Two ASCII strings are equal
            // only byte for byte, so keys of different lengths need no comparing.
            for j in members.indices {
                let length = members[j].key.utf8.count
                for i in members.startIndex..<j where members[i].key.utf8.count == length && members[i].key == members[j].key {
                    return members[j]
                }
            }
            return nil
        }
        var seen = Set<String>(minimumCapacity: members.count)
        return members.first { !seen.insert($0.key).inserted }
    }

    func tooDeep() -> JSONParseError {
        JSONParseError(message: "nesting deeper than \(maxDepth) levels at byte \(i)", offset: i)
    }

    static func quoted(_ key: String) -> String {
        var out = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    mutating func parseKeyAndColon() throws(JSONParseError) -> (key: String, offset: Int) {
        guard i < n, p[i] == Byte.quote else {
            if i < n {
                throw JSONParseError(message: "expected a string key but found \(Parser.describe(p[i])) at byte \(i)", offset: i)
            }
            throw unexpected(at: i)
        }
        let offset = i
        let key = try parseString()
        skipWhitespace()
        guard i < n, p[i] == Byte.colon else { throw unexpected(at: i) }
        i += 1
        return (key, offset)
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let letters = word.utf8Start
        for k in 0..<count {
            guard i + k < n, p[i + k] == letters[k] else { throw unexpected(at: i + k) }
        }
        i += count
    }

    // MARK: Strings

    /// Starts at the opening quote. Strings without escapes are decoded straight from the input.
    mutating func parseString() throws(JSONParseError) -> String {
        let open = i
        let start = i + 1
        var j = start
        let all = UnsafeRawBufferPointer(start: p, count: n)
        while true {
            // Plain ASCII runs a word at a time (see `JSONStringScan`); the byte found is looked at below.
            j = JSONStringScan.firstSpecial(all, from: j)
            guard j < n else { throw unterminated(open) }
            let c = p[j]
            if c == Byte.quote {
                i = j + 1
                return String(decoding: UnsafeBufferPointer(start: p + start, count: j - start), as: UTF8.self)
            }
            if c == Byte.backslash {
                return try parseEscapedString(open: open, plainEnd: j)
            }
            if c < 0x20 { throw controlCharacter(at: j) }
            if c < 0x80 {
                j += 1
            } else {
                j = try skipUTF8Sequence(at: j)
            }
        }
    }

    func unterminated(_ open: Int) -> JSONParseError {
        JSONParseError(message: "unterminated string starting at byte \(open)", offset: open)
    }

    func controlCharacter(at offset: Int) -> JSONParseError {
        let hex = String(p[offset], radix: 16, uppercase: true)
        return JSONParseError(message: "unescaped control character 0x\(hex.count == 1 ? "0" + hex : hex) in string at byte \(offset)",
                              offset: offset)
    }

    /// Slow path once a backslash appears: the already-scanned prefix is copied, then decoding continues into scratch.
    mutating func parseEscapedString(open: Int, plainEnd: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        let start = open + 1
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: plainEnd - start))
        var j = plainEnd
        while true {
            guard j < n else { throw unterminated(open) }
            let c = p[j]
            if c == Byte.quote {
                i = j + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if c == Byte.backslash {
                j = try decodeEscape(at: j)
            } else if c < 0x20 {
                throw controlCharacter(at: j)
            } else if c < 0x80 {
                scratch.append(c)
                j += 1
            } else {
                let end = try skipUTF8Sequence(at: j)
                scratch.append(contentsOf: UnsafeBufferPointer(start: p + j, count: end - j))
                j = end
            }
        }
    }

    /// Decodes the escape whose backslash is at `j` into scratch and returns the offset after it.
    mutating func decodeEscape(at j: Int) throws(JSONParseError) -> Int {
        guard j + 1 < n else { throw unexpected(at: j + 1) }
        let e = p[j + 1]
        switch e {
        case Byte.quote: scratch.append(Byte.quote)
        case Byte.backslash: scratch.append(Byte.backslash)
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4(at: j + 2)
            switch unit {
            case 0xD800...0xDBFF:
                guard j + 7 < n, p[j + 6] == Byte.backslash, p[j + 7] == UInt8(ascii: "u") else {
                    throw unpairedSurrogate(unit, at: j)
                }
                let low = try hex4(at: j + 8)
                guard (0xDC00...0xDFFF).contains(low) else { throw unpairedSurrogate(unit, at: j) }
                let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                appendUTF8(scalar)
                return j + 12
            case 0xDC00...0xDFFF:
                throw unpairedSurrogate(unit, at: j)
            default:
                appendUTF8(unit)
            }
            return j + 6
        default:
            throw JSONParseError(message: "invalid escape \(Parser.describe(e)) at byte \(j)", offset: j)
        }
        return j + 2
    }

    func unpairedSurrogate(_ unit: UInt32, at offset: Int) -> JSONParseError {
        let hex = String(unit, radix: 16, uppercase: true)
        return JSONParseError(message: "unpaired surrogate \\u\(hex) at byte \(offset)", offset: offset)
    }

    func hex4(at start: Int) throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for k in start..<(start + 4) {
            guard k < n else { throw unexpected(at: k) }
            let c = p[k]
            let digit: UInt8
            switch c {
            case Byte.zero...Byte.nine: digit = c - Byte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default:
                throw JSONParseError(message: "invalid \\u escape: expected a hex digit but found \(Parser.describe(c)) at byte \(k)",
                                     offset: k)
            }
            v = v << 4 | UInt32(digit)
        }
        return v
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Validates one multi-byte sequence per Unicode Table 3-7 (no overlongs, no surrogates, nothing past
    /// U+10FFFF) and returns the offset after it.
    func skipUTF8Sequence(at j: Int) throws(JSONParseError) -> Int {
        @inline(__always) func byte(_ k: Int) -> UInt8 { k < n ? p[k] : 0 }
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        let lead = p[j]
        let b1 = byte(j + 1)
        switch lead {
        case 0xC2...0xDF:
            guard isContinuation(b1) else { break }
            return j + 2
        case 0xE0...0xEF:
            let b1Valid: Bool
            switch lead {
            case 0xE0: b1Valid = (0xA0...0xBF).contains(b1)
            case 0xED: b1Valid = (0x80...0x9F).contains(b1)
            default: b1Valid = isContinuation(b1)
            }
            guard b1Valid, isContinuation(byte(j + 2)) else { break }
            return j + 3
        case 0xF0...0xF4:
            let b1Valid: Bool
            switch lead {
            case 0xF0: b1Valid = (0x90...0xBF).contains(b1)
            case 0xF4: b1Valid = (0x80...0x8F).contains(b1)
            default: b1Valid = isContinuation(b1)
            }
            guard b1Valid, isContinuation(byte(j + 2)), isContinuation(byte(j + 3)) else { break }
            return j + 4
        default:
            break
        }
        throw invalidUTF8(at: j)
    }

    // MARK: Numbers

    /// Validates the RFC 8259 number grammar by hand, then converts. Short mantissas with small exponents are
    /// converted exactly with one correctly rounded multiply or divide (Clinger's fast path); everything else
    /// goes to strtod, which glibc and Darwin both round correctly.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = i
        var j = i
        let negative = p[j] == Byte.minus
        if negative { j += 1 }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0

        guard j < n, p[j] >= Byte.zero && p[j] <= Byte.nine else { throw unexpected(at: j) }
        if p[j] == Byte.zero {
            j += 1
            if j < n && p[j] >= Byte.zero && p[j] <= Byte.nine {
                throw JSONParseError(message: "leading zeros are not allowed in numbers at byte \(start)", offset: start)
            }
        } else {
            while j < n, p[j] >= Byte.zero && p[j] <= Byte.nine {
                if significantDigits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[j] - Byte.zero) }
                significantDigits += 1
                j += 1
            }
        }
        var isPlainInteger = true
        if j < n && p[j] == Byte.dot {
            isPlainInteger = false
            j += 1
            guard j < n, p[j] >= Byte.zero && p[j] <= Byte.nine else {
                throw JSONParseError(message: "expected a digit after the decimal point at byte \(j)", offset: j)
            }
            while j < n, p[j] >= Byte.zero && p[j] <= Byte.nine {
                let d = p[j] - Byte.zero
                if significantDigits > 0 || d != 0 {
                    if significantDigits < 19 { mantissa = mantissa &* 10 &+ UInt64(d) }
                    significantDigits += 1
                }
                fractionDigits += 1
                j += 1
            }
        }
        var exponent = 0
        if j < n && (p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E")) {
            isPlainInteger = false
            j += 1
            var exponentNegative = false
            if j < n && (p[j] == Byte.plus || p[j] == Byte.minus) {
                exponentNegative = p[j] == Byte.minus
                j += 1
            }
            guard j < n, p[j] >= Byte.zero && p[j] <= Byte.nine else {
                throw JSONParseError(message: "expected a digit in the exponent at byte \(j)", offset: j)
            }
            while j < n, p[j] >= Byte.zero && p[j] <= Byte.nine {
                // Beyond this the result is 0 or infinity anyway; capping keeps the arithmetic from overflowing.
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[j] - Byte.zero) }
                j += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        i = j

        if significantDigits == 0 { return negative ? -0.0 : 0.0 }
        let maxExact: UInt64 = 1 << 53
        if significantDigits <= 19 && mantissa <= maxExact {
            let power = exponent - fractionDigits
            if isPlainInteger || power == 0 {
                let d = Double(mantissa)
                return negative ? -d : d
            }
            if power > 0 && power <= 22 {
                let d = Double(mantissa) * exactPowersOfTen[power]
                return negative ? -d : d
            }
            if power < 0 && power >= -22 {
                let d = Double(mantissa) / exactPowersOfTen[-power]
                return negative ? -d : d
            }
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: j - start), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw JSONParseError(message: "number out of range at byte \(start)", offset: start)
        }
        return d
    }
}
