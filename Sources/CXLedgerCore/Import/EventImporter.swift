import Foundation
import Synchronization

/// Appends NDJSON events in atomic batches of N lines, stopping at the first bad line.
///
/// Lines are decoded and validated on a second thread while the previous batch commits.
public enum EventImporter {
    /// How an import ended.
    public struct Outcome: Sendable {
        public var appended = 0
        public var alreadyPresent = 0
        /// The line that stopped the import and why; its batch was not written.
        public var failure: (line: Int, error: LedgerError)?

        public init() {}

        public var json: JSONValue {
            var o: [String: JSONValue] = ["appended": .number(Double(appended)),
                                          "alreadyPresent": .number(Double(alreadyPresent))]
            if let failure {
                o["failedLine"] = .number(Double(failure.line))
                o["error"] = .string(failure.error.code.rawValue)
                o["message"] = .string(failure.error.description)
                if let field = failure.error.field { o["field"] = .string(field) }
            }
            return .object(o)
        }
    }

    /// One decoded batch, or the line that could not be decoded.
    private enum Batch: Sendable {
        case events([ProposedEvent], firstLine: Int)
        case bad(line: Int, error: LedgerError)
        case readFailed(String)
    }

    /// Turns one NDJSON line into a validated event.
    public static func decode(_ line: ArraySlice<UInt8>) throws(LedgerError) -> ProposedEvent {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            throw LedgerError(code: .invalidJSON, message: "empty line; every line must hold one event object")
        }
        let document: JSONParser.TopLevel
        do { document = try JSONParser.parseTopLevelMembers(line) } catch {
            throw LedgerError(code: .invalidJSON, message: error.message)
        }
        return try EventValidator.validate(document)
    }

    /// Reads `handle` to its end, handing each batch of up to `batchSize` events to `append`.
    public static func run(handle: FileHandle, batchSize: Int,
                           append: ([ProposedEvent]) throws -> [AppendedEvent]) throws -> Outcome {
        let handoff = BoundedHandoff<Batch>(capacity: 2)
        // Appended batches go back to the producer to be freed there: freeing a thousand events between two
        // appends kept the writer waiting, while the producer has time to spare.
        let spent = Mutex<[[ProposedEvent]]>([])
        // Only the producer thread reads the handle from here on.
        let producer = Thread {
            var reader = NDJSONLineReader(handle: handle)
            var batch: [ProposedEvent] = []
            var firstLine = 1
            do {
                while let line = try reader.next() {
                    if batch.isEmpty {
                        firstLine = reader.lineNumber
                        // Taken out under the lock, freed outside it.
                        var freed = spent.withLock { s -> [[ProposedEvent]] in
                            defer { s = [] }
                            return s
                        }
                        freed.removeAll()
                    }
                    do throws(LedgerError) {
                        batch.append(try decode(line))
                    } catch {
                        // The batch holding a bad line is not written at all.
                        _ = handoff.put(.bad(line: reader.lineNumber, error: error))
                        handoff.finish()
                        return
                    }
                    if batch.count >= batchSize {
                        guard handoff.put(.events(batch, firstLine: firstLine)) else { return }
                        batch = []
                        batch.reserveCapacity(batchSize)
                    }
                }
                if !batch.isEmpty { _ = handoff.put(.events(batch, firstLine: firstLine)) }
            } catch {
                _ = handoff.put(.readFailed("\(error)"))
            }
            handoff.finish()
        }
        producer.stackSize = 8 << 20
        producer.start()
        defer { handoff.cancel() }

        var outcome = Outcome()
        while let item = handoff.take() {
            switch item {
            case .events(let events, let firstLine):
                do {
                    for a in try append(events) {
                        if a.alreadyStored { outcome.alreadyPresent += 1 } else { outcome.appended += 1 }
                    }
                    spent.withLock { $0.append(events) }
                } catch let failure as AppendFailure {
                    outcome.failure = (firstLine + failure.index, failure.error)
                    return outcome
                } catch let error as LedgerError {
                    outcome.failure = (firstLine, error)
                    return outcome
                }
            case .bad(let line, let error):
                outcome.failure = (line, error)
                return outcome
            case .readFailed(let message):
                throw LedgerError(code: .invalidJSON, message: "cannot read the input: \(message)")
            }
        }
        return outcome
    }
}
