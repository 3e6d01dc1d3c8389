import Foundation

/// The members of a recorded event's `data` object, by name.
///
/// An event appended in this process carries its validated dictionary. An event read back from the log carries
/// the stored canonical bytes of its `data` and parses a member only when asked for it: a rebuild decodes every
/// stored event, its folds look at one or two members of each, and building the whole dictionary was most of
/// what decoding an event cost.
public struct EventData: Sendable {
    private enum Storage: Sendable {
        case members([String: JSONValue])
        /// One JSON object as the log stores it: canonical, so no whitespace (a slice of the stored envelope).
        case canonical(ArraySlice<UInt8>)
    }

    private let storage: Storage

    public init(_ members: [String: JSONValue]) {
        storage = .members(members)
    }

    /// `bytes` must hold one JSON object without whitespace between its tokens, as the log stores `data`.
    init(canonical bytes: [UInt8]) {
        self.init(canonical: bytes[...])
    }

    init(canonical bytes: ArraySlice<UInt8>) {
        storage = .canonical(bytes)
    }

    /// The member named `name`, or nil when there is none. Stored names are compared as UTF-8 bytes (a dictionary
    /// would also match a canonically equivalent spelling; the names asked for are ASCII). A stored member that
    /// does not parse reads as absent; `cxledger verify` is what vouches for the stored bytes.
    public subscript(name: String) -> JSONValue? {
        switch storage {
        case .members(let members): members[name]
        case .canonical(let bytes): Self.member(name, in: bytes)
        }
    }

    /// Every member (stored bytes are parsed whole for this; bytes that do not parse give no members).
    public var members: [String: JSONValue] {
        switch storage {
        case .members(let members): members
        case .canonical(let bytes): (try? JSONParser.parse(bytes))?.objectValue ?? [:]
        }
    }

    private static func member(_ name: String, in bytes: ArraySlice<UInt8>) -> JSONValue? {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBytes { b -> JSONValue? in
                let quote = UInt8(ascii: "\"")
                var i = 1
                while i < b.count && b[i] == quote {
                    let keyStart = i + 1
                    var keyEnd = keyStart
                    var escaped = false
                    while keyEnd < b.count && b[keyEnd] != quote {
                        if b[keyEnd] == UInt8(ascii: "\\") { escaped = true; keyEnd += 1 }
                        keyEnd += 1
                    }
                    guard keyEnd + 1 < b.count, b[keyEnd + 1] == UInt8(ascii: ":") else { return nil }
                    let valueStart = keyEnd + 2
                    let matches: Bool
                    if escaped {
                        // Rare (a quote, backslash or control character in a name): compare the decoded name.
                        guard case .string(let key)? = try? JSONParser.parseValue(b, at: i).value else { return nil }
                        matches = key.utf8.elementsEqual(UnsafeBufferPointer(rebasing: wanted[...]))
                    } else {
                        matches = keyEnd - keyStart == wanted.count
                            && (wanted.isEmpty || memcmp(b.baseAddress! + keyStart, wanted.baseAddress!, wanted.count) == 0)
                    }
                    if matches { return JSONScalar.read(b, at: valueStart)?.value ?? (try? JSONParser.parseValue(b, at: valueStart).value) }
                    guard let end = JSONSkipper.endOfValue(b, at: valueStart) else { return nil }
                    i = end
                    if i < b.count && b[i] == UInt8(ascii: ",") { i += 1 }
                }
                return nil
            }
        }
    }
}
