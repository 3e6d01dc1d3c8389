import Foundation
import Synchronization

/// Event ids: UUIDs in 8-4-4-4-12 hex form, stored in lower case, generated as time-ordered version 7 when absent.
public enum EventID {
    /// The lower-case form of a UUID string in any case, or nil when `s` is not one.
    public static func normalize(_ s: String) -> String? {
        var s = s
        var hasUpper = false
        let ok = s.withUTF8 { b -> Bool in
            guard b.count == 36 else { return false }
            for i in 0..<36 {
                let c = b[i]
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    if c != UInt8(ascii: "-") { return false }
                } else if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) {
                    continue
                } else if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F") {
                    hasUpper = true
                } else {
                    return false
                }
            }
            return true
        }
        guard ok else { return nil }
        // Most senders already use lower case; returning the same string then saves an allocation.
        guard hasUpper else { return s }
        return String(decoding: s.utf8.map { ($0 >= 65 && $0 <= 70) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    public static func isValid(_ s: String) -> Bool {
        normalize(s) != nil
    }

    /// A fresh random (version 4, RFC 4122 variant) UUID in lower case.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// The milliseconds and 12-bit counter of the last version 7 id, so that ids made one after the other sort in
    /// that order, even many in one millisecond.
    struct TimeOrderedClock {
        var milliseconds: UInt64 = 0
        var counter: UInt64 = 0

        /// The milliseconds and counter of the next id, made at `now` with `fresh` random bits.
        mutating func next(now: UInt64, fresh: UInt64) -> (milliseconds: UInt64, counter: UInt64) {
            if now > milliseconds {
                // Half the counter's range left for the ids still to come in this millisecond.
                (milliseconds, counter) = (now, fresh & 0x7FF)
            } else if counter < 0xFFF {
                counter += 1
            } else {
                // 4,096 ids in one millisecond (or a clock that went back): borrow the next millisecond.
                (milliseconds, counter) = (milliseconds + 1, fresh & 0x7FF)
            }
            return (milliseconds, counter)
        }
    }

    private static let processClock = Mutex(TimeOrderedClock())

    /// A fresh time-ordered UUID (version 7, RFC 9562) in lower case: 48 bits of Unix milliseconds, a 12-bit
    /// counter that starts at a random value each millisecond, then 62 random bits. Ids made in this process sort
    /// in the order they were made.
    ///
    /// The ledger makes these for events posted without an id: ids that sort in the order they are appended go
    /// straight to the end of the id index, where random ones (or these, once any arrives out of order) are
    /// held and merged (see `RecentIds`).
    public static func timeOrdered() -> String {
        var generator = SystemRandomNumberGenerator()
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let fresh: UInt64 = generator.next()
        let (milliseconds, counter) = processClock.withLock { $0.next(now: now, fresh: fresh) }
        return timeOrdered(milliseconds: milliseconds, counter: counter, random: generator.next())
    }

    /// The version 7 UUID of those parts.
    static func timeOrdered(milliseconds: UInt64, counter: UInt64, random: UInt64) -> String {
        let hi = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (counter & 0xFFF)
        let lo = (random & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(hi, lo)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let r1: UInt64 = generator.next()
        let r2: UInt64 = generator.next()
        // Version nibble 4 (bits 12-15 of the high word) and variant 10xx (top bits of the low word).
        let hi = (r1 & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let lo = (r2 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(hi, lo)
    }

    /// The 128 bits `hi ‖ lo` in 8-4-4-4-12 lower-case hex.
    private static func format(_ hi: UInt64, _ lo: UInt64) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for n in 0..<32 {
            if n == 8 || n == 12 || n == 16 || n == 20 { out.append(UInt8(ascii: "-")) }
            let word = n < 16 ? hi : lo
            let shift = UInt64(60 - (n % 16) * 4)
            out.append(hex[Int((word >> shift) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
