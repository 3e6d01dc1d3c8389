import Testing
@testable import CXLedgerCore

struct TimestampTests {
    struct Known: Sendable, CustomTestStringConvertible {
        var text: String
        var seconds: Int64
        var micros: Int64 = 0
        var testDescription: String { text }
    }

    static let known: [Known] = [
        Known(text: "2026-03-02T09:00:00Z", seconds: 1_772_442_000),
        Known(text: "2026-03-02t09:00:00z", seconds: 1_772_442_000),
        Known(text: "2026-03-02T09:00:00-05:30", seconds: 1_772_461_800),
        Known(text: "2026-03-02T14:30:00+05:30", seconds: 1_772_442_000),
        Known(text: "2026-03-02T09:00:00+00:00", seconds: 1_772_442_000),
        Known(text: "2026-03-02T09:00:00-00:00", seconds: 1_772_442_000),
        Known(text: "2024-02-29T23:59:59Z", seconds: 1_709_251_199),
        Known(text: "1969-12-31T23:59:59Z", seconds: -1),
        Known(text: "2000-01-01T00:00:00Z", seconds: 946_684_800),
        Known(text: "0001-01-01T00:00:00Z", seconds: -62_135_596_800),
        Known(text: "9999-12-31T23:59:59Z", seconds: 253_402_300_799),
        Known(text: "2026-03-02T09:00:00.5Z", seconds: 1_772_442_000, micros: 500_000),
        Known(text: "2026-03-02T09:00:00.123Z", seconds: 1_772_442_000, micros: 123_000),
        Known(text: "2026-03-02T09:00:00.123456Z", seconds: 1_772_442_000, micros: 123_456),
        Known(text: "2026-03-02T09:00:00.123456789Z", seconds: 1_772_442_000, micros: 123_456),
        Known(text: "1969-12-31T23:59:59.5Z", seconds: -1, micros: 500_000),
        // A leap second is read as the first instant of the next minute.
        Known(text: "2016-12-31T23:59:60Z", seconds: 1_483_228_800),
    ]

    @Test(arguments: known)
    func parsesKnownInstants(_ k: Known) throws {
        let t = try #require(Timestamp.parseDateTime(k.text))
        #expect(t.microseconds == k.seconds * 1_000_000 + k.micros)
    }

    static let invalid: [String] = [
        "", "2026-03-02", "2026-03-02T09:00:00", "2026-03-02T09:00Z", "2026-03-02 09:00:00Z",
        "2026-03-02X09:00:00Z", "2026-3-02T09:00:00Z", "2026-03-2T09:00:00Z", "26-03-02T09:00:00Z",
        "20260-03-02T09:00:00Z", "2026-00-02T09:00:00Z", "2026-13-02T09:00:00Z", "2026-01-00T09:00:00Z",
        "2026-01-32T09:00:00Z", "2026-04-31T09:00:00Z", "2026-06-31T09:00:00Z", "2026-09-31T09:00:00Z",
        "2026-11-31T09:00:00Z", "2023-02-29T09:00:00Z", "2100-02-29T09:00:00Z", "2026-02-30T09:00:00Z",
        "2026-03-02T24:00:00Z", "2026-03-02T09:60:00Z", "2026-03-02T09:00:61Z", "2026-03-02T09:00:00.Z",
        "2026-03-02T09:00:00.12aZ", "2026-03-02T09:00:00+24:00", "2026-03-02T09:00:00+01:60",
        "2026-03-02T09:00:00+0100", "2026-03-02T09:00:00+01", "2026-03-02T09:00:00+01:00Z",
        "2026-03-02T09:00:00ZZ", "2026-03-02T09:00:00Z ", " 2026-03-02T09:00:00Z", "2026-03-02T09:00:00UTC",
        "2026/03/02T09:00:00Z", "2026-03-02T09:00:00,5Z", "２０２６-03-02T09:00:00Z", "2026-03-02T9:00:00Z",
        "2026-03-02T09:00:00+1:00", "2026-03-02T09:00:00-01:00:00",
    ]

    @Test(arguments: invalid)
    func rejectsMalformedDateTimes(_ s: String) {
        #expect(Timestamp.parseDateTime(s) == nil)
    }

    @Test(arguments: ["2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-01-31T00:00:00Z",
                      "2026-03-02T23:59:59+23:59", "2026-12-31T23:59:60-23:59"])
    func acceptsEdgeDateTimes(_ s: String) {
        #expect(Timestamp.parseDateTime(s) != nil)
    }

    @Test func fullDates() {
        #expect(Timestamp.parseFullDate("2026-04-10"))
        #expect(Timestamp.parseFullDate("2024-02-29"))
        #expect(Timestamp.parseFullDate("2000-02-29"))
        #expect(!Timestamp.parseFullDate("2100-02-29"))
        #expect(!Timestamp.parseFullDate("2026-02-29"))
        #expect(!Timestamp.parseFullDate("2026-04-31"))
        #expect(!Timestamp.parseFullDate("2026-13-01"))
        #expect(!Timestamp.parseFullDate("2026-4-10"))
        #expect(!Timestamp.parseFullDate("2026-04-10T00:00:00Z"))
        #expect(!Timestamp.parseFullDate("2026-04-10 "))
        #expect(!Timestamp.parseFullDate(""))
        #expect(Timestamp.fullDateDays("1970-01-02") == 1)
        #expect(Timestamp.fullDateDays("1969-12-31") == -1)
    }

    @Test func formatsInUTCWithMinimalPrecision() throws {
        #expect(Timestamp(microseconds: 1_772_442_000_000_000).rfc3339() == "2026-03-02T09:00:00Z")
        #expect(Timestamp(microseconds: 1_772_442_000_123_000).rfc3339() == "2026-03-02T09:00:00.123Z")
        #expect(Timestamp(microseconds: 1_772_442_000_100_000).rfc3339() == "2026-03-02T09:00:00.100Z")
        #expect(Timestamp(microseconds: 1_772_442_000_000_001).rfc3339() == "2026-03-02T09:00:00.000001Z")
        #expect(Timestamp(microseconds: 1_772_442_000_123_456).rfc3339() == "2026-03-02T09:00:00.123456Z")
        #expect(Timestamp(microseconds: -1).rfc3339() == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: -1_000_000).rfc3339() == "1969-12-31T23:59:59Z")
        #expect(Timestamp.unixEpoch.rfc3339() == "1970-01-01T00:00:00Z")
        #expect(Timestamp(microseconds: -62_135_596_800_000_000).rfc3339() == "0001-01-01T00:00:00Z")
        let offset = try #require(Timestamp.parseDateTime("2026-03-02T09:00:00-05:30"))
        #expect(offset.rfc3339() == "2026-03-02T14:30:00Z")
        #expect(offset.description == "2026-03-02T14:30:00Z")
    }

    @Test(arguments: known)
    func roundTripsThroughFormatting(_ k: Known) throws {
        let t = try #require(Timestamp.parseDateTime(k.text))
        #expect(Timestamp.parseDateTime(t.rfc3339()) == t)
    }

    @Test func civilConversionRoundTrips() {
        // Every day from 1600 to 2400 survives days -> civil -> days, and consecutive days are consecutive dates.
        var previous = Timestamp.civilFromDays(Timestamp.daysFromCivil(1600, 1, 1) - 1)
        for days in Timestamp.daysFromCivil(1600, 1, 1)...Timestamp.daysFromCivil(2400, 12, 31) {
            let c = Timestamp.civilFromDays(days)
            #expect(Timestamp.daysFromCivil(Int(c.year), c.month, c.day) == days)
            let sameMonth = c.year == previous.year && c.month == previous.month && c.day == previous.day + 1
            let nextMonth = c.day == 1 && previous.day == Timestamp.daysInMonth(Int(previous.year), previous.month)
            #expect(sameMonth || nextMonth)
            previous = c
        }
    }

    @Test func arithmetic() throws {
        let t = try #require(Timestamp.parseDateTime("2025-12-31T23:30:00Z"))
        #expect(t.adding(minutes: 30).rfc3339() == "2026-01-01T00:00:00Z")
        #expect(t.adding(minutes: -30).rfc3339() == "2025-12-31T23:00:00Z")
        #expect(t.adding(hours: 48).rfc3339() == "2026-01-02T23:30:00Z")
        #expect(t.adding(seconds: 1).rfc3339() == "2025-12-31T23:30:01Z")
        #expect(t.adding(days: 60).rfc3339() == "2026-03-01T23:30:00Z")
        #expect(t.adding(microseconds: 1500).rfc3339() == "2025-12-31T23:30:00.001500Z")
        #expect(t.adding(hours: 1).microseconds(since: t) == 3_600_000_000)
        #expect(t < t.adding(microseconds: 1))
        let leap = try #require(Timestamp.parseDateTime("2024-02-28T12:00:00Z"))
        #expect(leap.adding(hours: 24).rfc3339() == "2024-02-29T12:00:00Z")
    }
}
