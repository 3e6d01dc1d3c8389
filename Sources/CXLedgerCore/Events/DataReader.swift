/// Typed, path-aware access to the members of an object inside an event, throwing `invalid_event` with the full field path.
struct DataReader {
    let fields: [String: JSONValue]
    /// The path of the object itself, e.g. `data` or `data.successCriteria[1]`.
    let path: String

    init(_ fields: [String: JSONValue], path: String) {
        self.fields = fields
        self.path = path
    }

    // Paths are only built on failure, keeping the valid case free of string concatenation.
    func fail(_ key: String, _ reason: String) -> LedgerError {
        LedgerError.invalidEvent(path + "." + key, reason)
    }

    /// The member's value; an explicit `null` counts as absent.
    @inline(__always)
    func value(_ key: String) -> JSONValue? {
        guard let v = fields[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func required(_ key: String) throws(LedgerError) -> JSONValue {
        guard let v = value(key) else { throw fail(key, "is required") }
        return v
    }

    // MARK: Strings

    @discardableResult
    func requiredString(_ key: String) throws(LedgerError) -> String {
        guard case .string(let s) = try required(key) else { throw fail(key, "must be a string") }
        return s
    }

    @discardableResult
    func optionalString(_ key: String) throws(LedgerError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw fail(key, "must be a string") }
        return s
    }

    @discardableResult
    func requiredIdentifier(_ key: String) throws(LedgerError) -> String {
        let s = try requiredString(key)
        if let reason = Identifier.problem(with: s) { throw fail(key, reason) }
        return s
    }

    @discardableResult
    func optionalIdentifier(_ key: String) throws(LedgerError) -> String? {
        guard let s = try optionalString(key) else { return nil }
        if let reason = Identifier.problem(with: s) { throw fail(key, reason) }
        return s
    }

    func requiredEnum(_ key: String, _ allowed: [String]) throws(LedgerError) {
        let s = try requiredString(key)
        guard allowed.contains(s) else { throw fail(key, DataReader.oneOf(allowed)) }
    }

    func optionalEnum(_ key: String, _ allowed: [String]) throws(LedgerError) {
        guard let s = try optionalString(key) else { return }
        guard allowed.contains(s) else { throw fail(key, DataReader.oneOf(allowed)) }
    }

    static func oneOf(_ allowed: [String]) -> String {
        "must be one of " + allowed.joined(separator: ", ")
    }

    @discardableResult
    func requiredFullDate(_ key: String) throws(LedgerError) -> Int64 {
        let s = try requiredString(key)
        guard let days = Timestamp.fullDateDays(s) else { throw fail(key, "must be a full date (YYYY-MM-DD)") }
        return days
    }

    func optionalFullDate(_ key: String) throws(LedgerError) {
        guard let s = try optionalString(key) else { return }
        guard Timestamp.parseFullDate(s) else { throw fail(key, "must be a full date (YYYY-MM-DD)") }
    }

    func optionalStringArray(_ key: String) throws(LedgerError) {
        guard let v = value(key) else { return }
        guard case .array(let items) = v else { throw fail(key, "must be an array of strings") }
        for (i, item) in items.enumerated() {
            guard case .string = item else { throw fail("\(key)[\(i)]", "must be a string") }
        }
    }

    // MARK: Numbers and booleans

    /// An integer in `min...max`; the reason names the bounds that apply.
    @discardableResult
    func requiredInt(_ key: String, min: Int, max: Int? = nil) throws(LedgerError) -> Int {
        try checkInt(key, try required(key), min: min, max: max)
    }

    @discardableResult
    func optionalInt(_ key: String, min: Int, max: Int? = nil) throws(LedgerError) -> Int? {
        guard let v = value(key) else { return nil }
        return try checkInt(key, v, min: min, max: max)
    }

    private func checkInt(_ key: String, _ v: JSONValue, min: Int, max: Int?) throws(LedgerError) -> Int {
        guard let n = v.intValue else { throw fail(key, "must be an integer") }
        if let max {
            guard n >= min, n <= max else { throw fail(key, "must be an integer from \(min) to \(max)") }
        } else {
            guard n >= min else { throw fail(key, "must be an integer of at least \(min)") }
        }
        return n
    }

    func optionalNumber(_ key: String, min: Double, max: Double? = nil) throws(LedgerError) {
        guard let v = value(key) else { return }
        guard case .number(let d) = v, d.isFinite else { throw fail(key, "must be a number") }
        if let max {
            guard d >= min, d <= max else { throw fail(key, "must be a number from \(DataReader.show(min)) to \(DataReader.show(max))") }
        } else {
            guard d >= min else { throw fail(key, "must be a number of at least \(DataReader.show(min))") }
        }
    }

    private static func show(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    func optionalBool(_ key: String) throws(LedgerError) {
        guard let v = value(key) else { return }
        guard case .bool = v else { throw fail(key, "must be a boolean") }
    }

    // MARK: Objects

    /// A nested reader for an optional object member, or nil when absent.
    func optionalObject(_ key: String) throws(LedgerError) -> DataReader? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw fail(key, "must be an object") }
        return DataReader(o, path: path + "." + key)
    }
}
