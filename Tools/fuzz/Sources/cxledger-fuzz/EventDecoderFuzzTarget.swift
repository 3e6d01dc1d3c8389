import CXLedgerCore

/// libFuzzer's entry point: every input goes through the NDJSON line decoder (JSON parser and
/// event validator) and, when it decodes, through canonicalisation and a re-parse.
/// A crash, a trap or an inconsistent round-trip is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONParser.parse(bytes, maxDepth: 512) {
        let canonical = CanonicalJSON.encode(value)
        guard let again = try? JSONParser.parse(canonical), CanonicalJSON.encode(again) == canonical else {
            fatalError("canonical JSON does not round-trip")
        }
    }
    if let event = try? EventImporter.decode(bytes[...]) {
        _ = CanonicalJSON.encode(event.content)
    }
    return 0
}
