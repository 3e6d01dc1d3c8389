import Foundation

/// Realistic NDJSON events (about 300 bytes each) with valid case lifecycles, for ingest benchmarks.
///
/// Ids are time-ordered by default (each run counts up from a random prefix, as UUIDv7 senders' ids do);
/// `randomIds` gives random version-4 ids instead, which land all over the ledger's id index.
struct SyntheticEvents {
    private var state: UInt64
    private let randomIds: Bool

    init(seed: UInt64 = 42, randomIds: Bool = false) {
        // Scrambled first, so that every seed starts its own sequence: `seed | 1` alone gave seeds 2 and 3 (two
        // of the ingest clients) the same one, and so the same random ids, half of them refused as `id_conflict`.
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        state = z == 0 ? 0x9E37_79B9_7F4A_7C15 : z
        self.randomIds = randomIds
    }

    private mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    private static let summaries = [
        "Customer reports the replacement router drops the connection every evening after 8pm",
        "Second invoice this month charged twice to the same card; asks for a refund and an apology",
        "Delivery missed again; customer took a day off work for the technician who never came",
        "Posted on the community forum that support closed the ticket without fixing anything",
    ]

    /// The `index`-th event: every tenth opens a case, the rest are interactions on it.
    mutating func line(_ index: Int, runTag: String) -> String {
        let caseNumber = index / 10
        let customer = "cust-\(caseNumber % 5000)"
        let caseId = "case-\(runTag)-\(caseNumber)"
        let id = uuid(index, runTag: runTag)
        let minute = index % 60
        let summary = Self.summaries[Int(next() % UInt64(Self.summaries.count))]
        if index % 10 == 0 {
            return #"{"id":"\#(id)","type":"case.opened","customerId":"\#(customer)","caseId":"\#(caseId)","occurredAt":"2026-03-02T09:\#(pad(minute)):00Z","source":"contact-centre","data":{"category":"connectivity","channel":"phone","severity":2,"summary":"\#(summary)","product":"fibre-500"}}"#
        }
        let direction = index % 3 == 0 ? "outbound" : "inbound"
        return #"{"id":"\#(id)","type":"interaction.recorded","customerId":"\#(customer)","caseId":"\#(caseId)","occurredAt":"2026-03-02T10:\#(pad(minute)):00Z","source":"contact-centre","data":{"channel":"email","direction":"\#(direction)","public":false,"summary":"\#(summary)","agent":"agent-\#(index % 40)","sentiment":-0.4}}"#
    }

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private mutating func uuid(_ index: Int, runTag: String) -> String {
        if randomIds {
            // Version 4, variant 10xx, from the generator's next 122 bits.
            let high = next() & 0xFFFF_FFFF_FFFF_0FFF | 0x4000, low = next() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
            let hex = String(high, radix: 16).leftPadded(16) + String(low, radix: 16).leftPadded(16)
            let h = Array(hex)
            return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-"
                + String(h[20..<32])
        }
        let hex = String(index, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "\(runTag)-0000-4000-8000-\(tail)"
    }

    /// Writes `count` events as an NDJSON file and returns its path and size.
    static func writeFile(count: Int, directory: String, randomIds: Bool = false) throws -> (path: String, bytes: Int) {
        var generator = SyntheticEvents(randomIds: randomIds)
        let tag = String(UInt32.random(in: 0x1000_0000...0xffff_ffff), radix: 16)
        var text = ""
        text.reserveCapacity(count * 330)
        for i in 0..<count {
            text += generator.line(i, runTag: tag)
            text += "\n"
        }
        let path = directory + "/events.ndjson"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return (path, text.utf8.count)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
