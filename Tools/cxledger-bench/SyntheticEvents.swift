import Foundation

/// Realistic NDJSON events (about 300 bytes each) with valid case lifecycles, for ingest benchmarks.
struct SyntheticEvents {
    private var state: UInt64

    init(seed: UInt64 = 42) {
        state = seed | 1
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

    private func uuid(_ index: Int, runTag: String) -> String {
        let hex = String(index, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "\(runTag)-0000-4000-8000-\(tail)"
    }

    /// Writes `count` events as an NDJSON file and returns its path and size.
    static func writeFile(count: Int, directory: String) throws -> (path: String, bytes: Int) {
        var generator = SyntheticEvents()
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
