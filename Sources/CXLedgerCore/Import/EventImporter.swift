import Foundation

/// Appends NDJSON events in atomic batches of N lines, stopping at the first bad line.
public enum EventImporter {
    /// How an import ended.
    public struct Outcome: Sendable {
        public var appended = 0
        public var alreadyPresent = 0
        /// The line that stopped the import and why; its batch was not written.
        public var failure: (line: Int, error: LedgerError)?

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

    /// Turns one NDJSON line into a validated event.
    public static func decode(_ line: ArraySlice<UInt8>) throws(LedgerError) -> ProposedEvent {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            throw LedgerError(code: .invalidJSON, message: "empty line; every line must hold one event object")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            throw LedgerError(code: .invalidJSON, message: error.message)
        }
        return try EventValidator.validate(value)
    }

    /// Reads `handle` to its end, handing each batch of up to `batchSize` events to `append`.
    public static func run(handle: FileHandle, batchSize: Int,
                           append: ([ProposedEvent]) throws -> [AppendedEvent]) throws -> Outcome {
        var reader = NDJSONLineReader(handle: handle)
        var outcome = Outcome()
        var batch: [ProposedEvent] = []
        var batchFirstLine = 1
        batch.reserveCapacity(batchSize)

        func flush() throws -> Bool {
            guard !batch.isEmpty else { return true }
            do {
                let answers = try append(batch)
                for a in answers { if a.alreadyStored { outcome.alreadyPresent += 1 } else { outcome.appended += 1 } }
            } catch let failure as AppendFailure {
                outcome.failure = (batchFirstLine + failure.index, failure.error)
                return false
            } catch let error as LedgerError {
                outcome.failure = (batchFirstLine, error)
                return false
            }
            batch.removeAll(keepingCapacity: true)
            return true
        }

        while let line = try reader.next() {
            if batch.isEmpty { batchFirstLine = reader.lineNumber }
            do {
                batch.append(try decode(line))
            } catch {
                outcome.failure = (reader.lineNumber, error)
                return outcome
            }
            if batch.count >= batchSize {
                guard try flush() else { return outcome }
            }
        }
        _ = try flush()
        return outcome
    }
}
