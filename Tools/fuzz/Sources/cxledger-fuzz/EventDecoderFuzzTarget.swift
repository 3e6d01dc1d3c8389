import CXLedgerCore

/// libFuzzer's entry point: every input goes through the NDJSON line decoder (JSON parser and
/// event validator) and, when it decodes, through canonicalisation and a re-parse.
/// A crash, a trap, an inconsistent round-trip, or the two ways of parsing a document disagreeing is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parse(bytes, maxDepth: 512) }
    if case .success(let value) = whole {
        let canonical = CanonicalJSON.encode(value)
        guard let again = try? JSONParser.parse(canonical), CanonicalJSON.encode(again) == canonical else {
            fatalError("canonical JSON does not round-trip")
        }
    }
    // Posted events are read for their top-level members: that must accept, refuse and explain exactly as `parse`.
    let members = Result { () throws(JSONParseError) -> JSONParser.TopLevel in try JSONParser.parseTopLevelMembers(bytes[...]) }
    switch (whole, members) {
    case (.failure(let a), .failure(let b)) where a == b: break
    case (.success(.object(let object)), .success(.members(let list)))
        where list.count == object.count && list.allSatisfy({ object[$0.key] == $0.value }): break
    case (.success(let value), .success(.other(let other))) where value == other && value.objectValue == nil: break
    default: fatalError("parseTopLevelMembers disagrees with parse")
    }
    if let event = try? EventImporter.decode(bytes[...]) {
        // What the writer stores, and compares for "same content", must be canonical JSON itself.
        guard let parts = try? JSONParser.parse(event.canonicalContent), CanonicalJSON.encode(parts) == event.canonicalContent else {
            fatalError("a decoded event's stored parts are not canonical JSON")
        }
    }
    return 0
}

/// libFuzzer's driver, called from our own entry point.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point as `<target>_main`; handing control to libFuzzer's
/// driver from there lets the fuzzer be an ordinary product of this package.
@_cdecl("cxledger_fuzz_main")
func fuzzerEntryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzEventDecoder(data, size) }
}
