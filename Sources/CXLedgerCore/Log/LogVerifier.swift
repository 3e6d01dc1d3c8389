import Crypto
import LMDB

/// Re-checks the whole hash chain from position 1, in one read snapshot.
public enum LogVerifier {
    /// A digest (position and hash) that an auditor recorded earlier.
    public struct Digest: Sendable, Equatable {
        public var position: Int
        public var hash: String

        /// Parses `POSITION:HASH`.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let p = Int(parts[0]), p >= 1, parts[1].utf8.count == 64,
                  Hex.decode(Array(parts[1].utf8)) != nil else { return nil }
            position = p
            hash = String(parts[1])
        }
    }

    public static func verify(_ log: EventLog, digest: Digest? = nil) throws -> VerificationReport {
        try log.read { txn in try verify(log, digest: digest, in: txn) }
    }

    static func verify(_ log: EventLog, digest: Digest?, in txn: borrowing ReadTransaction) throws -> VerificationReport {
        var previous = HashChain.genesis
        var expected = 1
        var problem: (Int, String)?
        var digestSeen = false
        try txn.scan(log.databases.events) { key, value in
            guard let position = BigEndianKey.decode(key).map(Int.init) else {
                problem = (expected, "a key in the events database is not a position")
                return false
            }
            guard position == expected else {
                problem = position > expected
                    ? (expected, "event \(expected) is missing (the next stored event is \(position))")
                    : (expected, "position \(position) is out of order")
                return false
            }
            guard let parts = StoredRecord(bytes: value).parts() else {
                problem = (position, "the stored record is malformed (no hash member where it should be)")
                return false
            }
            // The hot loop of verify: hash and compare without allocating.
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(bufferPointer: parts.head)
            hasher.update(bufferPointer: parts.tail)
            let computed = hasher.finalize()
            let matches = computed.withUnsafeBytes { Hex.matches(parts.hashHex, $0) }
            guard matches else {
                let computedHex = computed.withUnsafeBytes { Array(Hex.string($0).utf8) }
                problem = (position, "hash mismatch: stored \(String(decoding: parts.hashHex, as: UTF8.self)), "
                    + "computed \(String(decoding: computedHex, as: UTF8.self)); the event was changed, "
                    + "or an event before it was removed or reordered")
                return false
            }
            if let expectedDigest = digest, expectedDigest.position == position {
                digestSeen = true
                let held = String(decoding: parts.hashHex, as: UTF8.self)
                if held != expectedDigest.hash {
                    problem = (position, "digest mismatch: the log holds \(held) "
                        + "at position \(position), the digest says \(expectedDigest.hash)")
                    return false
                }
            }
            computed.withUnsafeBytes { raw in for i in 0..<32 { previous[i] = raw[i] } }
            expected += 1
            return true
        }
        let checked = expected - 1
        let tail = LogHead(position: checked, hash: Hex.string(previous), recordedAt: nil)
        if let (position, message) = problem {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: position, problem: message)
        }
        let recorded = try log.readHead(txn)
        if recorded.position != checked || recorded.hash != tail.hash {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: min(recorded.position, checked) + 1,
                                      problem: "the recorded head is \(recorded.position):\(recorded.hash) but the log ends at "
                                          + "\(checked):\(tail.hash); events were removed from its end")
        }
        if let digest, !digestSeen {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: digest.position,
                                      problem: "digest position \(digest.position) is not in the log, which ends at \(checked)")
        }
        return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: nil, problem: nil)
    }
}
