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
