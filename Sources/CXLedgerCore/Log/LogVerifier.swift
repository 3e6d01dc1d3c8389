import Dispatch
import Foundation
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

    /// One stored record, split around its hash member; the buffers live as long as the read transaction.
    private struct Parts: @unchecked Sendable {
        // @unchecked: the buffers point into LMDB's read-only map and are only read, while the
        // read transaction that produced them is still open.
        let position: Int
        let head: UnsafeRawBufferPointer
        let hashHex: UnsafeRawBufferPointer
        let tail: UnsafeRawBufferPointer
    }

    static func verify(_ log: EventLog, digest: Digest?, in txn: borrowing ReadTransaction) throws -> VerificationReport {
        // The walk checks structure (gap-free keys, well-formed records) in order; the hashes are
        // checked in chunks on every core. Each link only needs the previous event's *stored* hash,
        // so links can be checked independently: if every stored hash equals SHA-256(previous stored
        // hash ‖ body), the whole chain holds.
        let chunk = 32_768
        var expected = 1
        var structural: (Int, String)?
        var hashProblem: (Int, String)?
        var lastGoodBeforeHashProblem = LogHead.empty.hash
        var batch: [Parts] = []
        batch.reserveCapacity(chunk)
        var chainFrom: UnsafeRawBufferPointer?  // the stored hash before `batch`; nil is the genesis
        var digestHeld: String?

        func checkBatch() {
            guard !batch.isEmpty, hashProblem == nil else { return }
            if let found = checkLinks(batch, after: chainFrom) {
                hashProblem = (found.position, found.message)
                lastGoodBeforeHashProblem = found.priorHash
            }
            chainFrom = batch[batch.count - 1].hashHex
            batch.removeAll(keepingCapacity: true)
        }

        try txn.scan(log.databases.events) { key, value in
            guard let position = BigEndianKey.decode(key).map(Int.init) else {
                structural = (expected, "a key in the events database is not a position")
                return false
            }
            guard position == expected else {
                structural = position > expected
                    ? (expected, "event \(expected) is missing (the next stored event is \(position))")
                    : (expected, "position \(position) is out of order")
                return false
            }
            guard let parts = StoredRecord(bytes: value).parts() else {
                structural = (position, "the stored record is malformed (no hash member where it should be)")
                return false
            }
            if let digest, digest.position == position {
                digestHeld = String(decoding: parts.hashHex, as: UTF8.self)
            }
            batch.append(Parts(position: position, head: parts.head, hashHex: parts.hashHex, tail: parts.tail))
            expected += 1
            if batch.count == chunk {
                checkBatch()
                if hashProblem != nil { return false }
            }
            return true
        }
        checkBatch()

        // The earliest problem wins: a broken link before a structural fault is reported first.
        let problem = [hashProblem, structural].compactMap { $0 }.min { $0.0 < $1.0 }
        if let (position, message) = problem {
            let checked = position - 1
            // The last event that checked out: just before the broken link, or the end of the checked chain.
            let good = hashProblem?.0 == position
                ? lastGoodBeforeHashProblem
                : chainFrom.map { String(decoding: $0, as: UTF8.self) } ?? LogHead.empty.hash
            return VerificationReport(head: LogHead(position: checked, hash: good, recordedAt: nil), eventsChecked: checked,
                                      firstBadPosition: position, problem: message)
        }
        let checked = expected - 1
        let tail = LogHead(position: checked,
                           hash: chainFrom.map { String(decoding: $0, as: UTF8.self) } ?? LogHead.empty.hash,
                           recordedAt: nil)
        if let digest, let held = digestHeld, held != digest.hash {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: digest.position,
                                      problem: "digest mismatch: the log holds \(held) at position \(digest.position), "
                                          + "the digest says \(digest.hash)")
        }
        let recorded = try log.readHead(txn)
        if recorded.position != checked || recorded.hash != tail.hash {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: min(recorded.position, checked) + 1,
                                      problem: "the recorded head is \(recorded.position):\(recorded.hash) but the log ends at "
                                          + "\(checked):\(tail.hash); events were removed from its end")
        }
        if let digest, digestHeld == nil {
            return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: digest.position,
                                      problem: "digest position \(digest.position) is not in the log, which ends at \(checked)")
        }
        return VerificationReport(head: tail, eventsChecked: checked, firstBadPosition: nil, problem: nil)
    }

    /// Checks every link of `batch` on all cores; returns the first broken one.
    private static func checkLinks(_ batch: [Parts], after chainFrom: UnsafeRawBufferPointer?)
        -> (position: Int, message: String, priorHash: String)? {
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, batch.count / 1024))
        let per = (batch.count + slices - 1) / slices
        let firstBad = UnsafeMutableBufferPointer<Int>.allocate(capacity: slices)
        defer { firstBad.deallocate() }
        firstBad.initialize(repeating: -1)
        nonisolated(unsafe) let results = firstBad  // each slice writes only its own element
        nonisolated(unsafe) let chainFrom = chainFrom  // read-only, inside the open read transaction
        batch.withUnsafeBufferPointer { entries in
            nonisolated(unsafe) let entries = entries  // read-only while the slices run
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                var previous = [UInt8](repeating: 0, count: 32)
                for i in (slice * per)..<min(entries.count, (slice + 1) * per) {
                    let prior = i == 0 ? chainFrom : entries[i - 1].hashHex
                    if let prior {
                        guard Hex.decode(prior, into: &previous) else { results[slice] = i; return }
                    } else {
                        for j in 0..<32 { previous[j] = 0 }
                    }
                    let computed = previous.withUnsafeBytes {
                        HashChain.digest(previous: $0, head: entries[i].head, tail: entries[i].tail)
                    }
                    if !computed.withUnsafeBytes({ Hex.matches(entries[i].hashHex, $0) }) {
                        results[slice] = i
                        return
                    }
                }
            }
        }
        guard let index = firstBad.first(where: { $0 >= 0 }) else { return nil }
        let entry = batch[index]
        var previous = [UInt8](repeating: 0, count: 32)
        let prior = index == 0 ? chainFrom : batch[index - 1].hashHex
        if let prior { _ = Hex.decode(prior, into: &previous) }
        let computed = previous.withUnsafeBytes {
            HashChain.digest(previous: $0, head: entry.head, tail: entry.tail).withUnsafeBytes { Hex.string($0) }
        }
        let priorHash = prior.map { String(decoding: $0, as: UTF8.self) } ?? LogHead.empty.hash
        return (entry.position, "hash mismatch: stored \(String(decoding: entry.hashHex, as: UTF8.self)), computed \(computed); "
            + "the event was changed, or an event before it was removed or reordered", priorHash)
    }
}
