import CXLedgerCore
import CXLedgerServer
import Foundation

/// `cxledger append --socket`: posts NDJSON batches to a running server, each batch atomic.
///
/// Lines are checked here first, so a bad line is reported with its number before anything of its
/// batch is sent; the server's own refusals (`events[i]…`) are mapped back to line numbers too.
struct RemoteAppend {
    let socketPath: String

    func run(handle: FileHandle, batchSize: Int) throws -> EventImporter.Outcome {
        let client = UnixSocketHTTPClient(socketPath: socketPath)
        var reader = NDJSONLineReader(handle: handle)
        var outcome = EventImporter.Outcome()
        var body: [UInt8] = []
        var count = 0
        var firstLine = 1

        func flush() throws -> Bool {
            guard count > 0 else { return true }
            body.append(contentsOf: Array("]}".utf8))
            // The head before the post separates new events from ones already stored: new ones
            // always get positions after it.
            let before = try headPosition(client)
            let answer = try client.sendSync("POST", "/v1/events", body: body)
            let json = try? answer.json()
            switch answer.status {
            case 200, 201:
                let events = json?["events"]?.arrayValue ?? []
                let new = events.count { ($0["position"]?.intValue ?? 0) > before }
                outcome.appended += new
                outcome.alreadyPresent += events.count - new
            default:
                let error = LedgerError(code: json?["error"]?.stringValue.flatMap(ErrorCode.init(rawValue:)) ?? .unavailable,
                                        message: json?["message"]?.stringValue ?? "HTTP \(answer.status): \(answer.text)",
                                        field: json?["field"]?.stringValue)
                outcome.failure = (firstLine + Self.batchIndex(error.field), Self.unprefixed(error))
                return false
            }
            body.removeAll(keepingCapacity: true)
            count = 0
            return true
        }

        while let line = try reader.next() {
            if count == 0 {
                firstLine = reader.lineNumber
                body.append(contentsOf: Array("{\"events\":[".utf8))
            }
            do {
                _ = try EventImporter.decode(line)
            } catch {
                outcome.failure = (reader.lineNumber, error)
                return outcome
            }
            if count > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: line)
            count += 1
            if count >= batchSize {
                guard try flush() else { return outcome }
            }
        }
        _ = try flush()
        return outcome
    }

    private func headPosition(_ client: UnixSocketHTTPClient) throws -> Int {
        let answer = try client.sendSync("GET", "/v1/audit/head")
        guard answer.status == 200, let position = try answer.json()["position"]?.intValue else {
            throw UnixSocketHTTPClient.Failure(description: "GET /v1/audit/head answered \(answer.status): \(answer.text)")
        }
        return position
    }

    /// The `i` of a field `events[i]…`, or 0.
    static func batchIndex(_ field: String?) -> Int {
        guard let field, field.hasPrefix("events["), let close = field.firstIndex(of: "]") else { return 0 }
        return Int(field[field.index(field.startIndex, offsetBy: 7)..<close]) ?? 0
    }

    /// The error as it reads for one line: without the `events[i].` prefix.
    static func unprefixed(_ error: LedgerError) -> LedgerError {
        guard let field = error.field, field.hasPrefix("events["), let close = field.firstIndex(of: "]") else { return error }
        var error = error
        let rest = field[field.index(after: close)...]
        error.field = rest.hasPrefix(".") ? String(rest.dropFirst()) : nil
        return error
    }
}
