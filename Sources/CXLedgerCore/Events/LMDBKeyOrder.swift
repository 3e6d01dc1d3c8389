import Foundation

/// Key bytes compared as LMDB compares keys by default: memcmp, then the shorter first.
func bytesPrecede(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let common = min(a.count, b.count)
    if common > 0 {
        let order = memcmp(a.baseAddress!, b.baseAddress!, common)
        if order != 0 { return order < 0 }
    }
    return a.count < b.count
}

/// The same order for keys held in arrays.
func bytesPrecede(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { x in b.withUnsafeBytes { y in bytesPrecede(x, y) } }
}
