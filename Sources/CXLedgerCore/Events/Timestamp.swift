/// An instant in UTC with microsecond precision, parsed from and printed as RFC 3339 without Foundation.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public static let unixEpoch = Timestamp(microseconds: 0)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    public var description: String { rfc3339() }

    // MARK: Arithmetic

    public func adding(microseconds delta: Int64) -> Timestamp {
        Timestamp(microseconds: microseconds &+ delta)
    }

    public func adding(seconds: Int64) -> Timestamp {
        adding(microseconds: seconds &* 1_000_000)
    }

    public func adding(minutes: Int64) -> Timestamp {
        adding(microseconds: minutes &* 60_000_000)
    }

    public func adding(hours: Int64) -> Timestamp {
        adding(microseconds: hours &* 3_600_000_000)
    }

    public func adding(days: Int64) -> Timestamp {
        adding(microseconds: days &* 86_400_000_000)
    }

    /// Signed distance `self - other` in microseconds.
    public func microseconds(since other: Timestamp) -> Int64 {
        microseconds &- other.microseconds
    }

    // MARK: Parsing

    /// Parses a strict RFC 3339 `date-time`; nil when it is not one.
    public static func parseDateTime(_ s: String) -> Timestamp? {
        var s = s
        // Native strings are contiguous UTF-8, so this avoids copying on the append path.
        return s.withUTF8 { parseDateTime(bytes: $0) }
    }

    /// Whether `s` is an RFC 3339 `full-date` (YYYY-MM-DD) naming a real calendar day.
    public static func parseFullDate(_ s: String) -> Bool {
        fullDateDays(s) != nil
    }

    /// Days since 1970-01-01 of an RFC 3339 `full-date`, or nil when it is not one.
    public static func fullDateDays(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { b -> Int64? in
            guard b.count == 10, let (y, m, d) = parseDate(b) else { return nil }
            return daysFromCivil(y, m, d)
        }
    }

    static func parseDateTime(bytes b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        // Shortest form: YYYY-MM-DDTHH:MM:SSZ
        guard b.count >= 20, let (y, mo, d) = parseDate(b) else { return nil }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let h = twoDigits(b, 11), b[13] == UInt8(ascii: ":"),
              let mi = twoDigits(b, 14), b[16] == UInt8(ascii: ":"),
              let sec = twoDigits(b, 17),
              h <= 23, mi <= 59, sec <= 60 else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            var scale: Int64 = 100_000
            while i < b.count, let digit = digitValue(b[i]) {
                // Digits beyond microseconds are legal but below our precision: truncated.
                if scale > 0 {
                    fraction += Int64(digit) * scale
                    scale /= 10
                }
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6,
                  let oh = twoDigits(b, i + 1), b[i + 3] == UInt8(ascii: ":"),
                  let om = twoDigits(b, i + 4),
                  oh <= 23, om <= 59 else { return nil }
            offsetMinutes = Int64(oh * 60 + om)
            if b[i] == UInt8(ascii: "-") { offsetMinutes = -offsetMinutes }
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        // A leap second (:60) counts as the first instant of the next minute, as POSIX time does.
        let localSeconds = days * 86_400 + Int64(h * 3600 + mi * 60 + sec)
        let utcSeconds = localSeconds - offsetMinutes * 60
        return Timestamp(microseconds: utcSeconds * 1_000_000 + fraction)
    }

    /// Parses `YYYY-MM-DD` at the start of `b`, checking the day against the month and leap years.
    private static func parseDate(_ b: UnsafeBufferPointer<UInt8>) -> (Int, Int, Int)? {
        guard b.count >= 10,
              let y1 = twoDigits(b, 0), let y2 = twoDigits(b, 2), b[4] == UInt8(ascii: "-"),
              let m = twoDigits(b, 5), b[7] == UInt8(ascii: "-"),
              let d = twoDigits(b, 8) else { return nil }
        let y = y1 * 100 + y2
        guard m >= 1, m <= 12, d >= 1, d <= daysInMonth(y, m) else { return nil }
        return (y, m, d)
    }

    @inline(__always)
    private static func digitValue(_ c: UInt8) -> Int? {
        let v = Int(c) &- 48
        return (v >= 0 && v <= 9) ? v : nil
    }

    @inline(__always)
    private static func twoDigits(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard let a = digitValue(b[i]), let c = digitValue(b[i + 1]) else { return nil }
        return a * 10 + c
    }

    static func isLeapYear(_ y: Int) -> Bool {
        (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeapYear(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let m = Int64(month), d = Int64(day)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `daysFromCivil`.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), Int(m), Int(d))
    }

    // MARK: Formatting

    /// RFC 3339 in UTC with `Z`; milliseconds or microseconds appear only when non-zero.
    public func rfc3339() -> String {
        var days = microseconds / 86_400_000_000
        var rem = microseconds % 86_400_000_000
        if rem < 0 {
            rem += 86_400_000_000
            days -= 1
        }
        let (year, month, day) = Timestamp.civilFromDays(days)
        let secondsOfDay = Int(rem / 1_000_000)
        let micros = Int(rem % 1_000_000)

        var out = [UInt8]()
        out.reserveCapacity(32)
        func put(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(48 + v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        if year < 0 { out.append(UInt8(ascii: "-")) }
        let absYear = Int(year.magnitude)
        put(absYear, width: absYear > 9999 ? String(absYear).utf8.count : 4)
        out.append(UInt8(ascii: "-"))
        put(month, width: 2)
        out.append(UInt8(ascii: "-"))
        put(day, width: 2)
        out.append(UInt8(ascii: "T"))
        put(secondsOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        put(secondsOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        put(secondsOfDay % 60, width: 2)
        if micros != 0 {
            out.append(UInt8(ascii: "."))
            if micros % 1000 == 0 {
                put(micros / 1000, width: 3)
            } else {
                put(micros, width: 6)
            }
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
