import CXLedgerCore
import Hummingbird

/// Typed access to a request's query string; every malformed value is a 400 `invalid_query` naming it.
struct QueryParameters {
    private let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        self.values = values
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw .invalidQuery(name, "must not be empty") }
        return value
    }

    func int(_ name: String, min: Int = 0, max: Int = .max) throws(APIError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), value >= min, value <= max else {
            throw .invalidQuery(name, max == .max ? "must be an integer ≥ \(min), not \(text)"
                                                  : "must be an integer from \(min) to \(max), not \(text)")
        }
        return value
    }

    func seconds(_ name: String, max: Double) throws(APIError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0, value <= max else {
            throw .invalidQuery(name, "must be a number of seconds from 0 to \(Int(max)), not \(text)")
        }
        return value
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidQuery(name, "must be true or false, not \(text)")
        }
    }

    func timestamp(_ name: String) throws(APIError) -> Timestamp? {
        guard let text = values[name] else { return nil }
        guard let t = Timestamp.parseDateTime(text) else {
            throw .invalidQuery(name, "must be an RFC 3339 date-time, not \(text)")
        }
        return t
    }

    /// Refuses parameters the endpoint does not know, so a typo is not silently ignored.
    func allowOnly(_ names: Set<String>) throws(APIError) {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw .invalidQuery(unknown, "is not a parameter of this endpoint (known: \(names.sorted().joined(separator: ", ")))")
        }
    }
}
