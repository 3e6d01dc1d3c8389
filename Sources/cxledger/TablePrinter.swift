import CXLedgerCore

/// Prints rows as aligned columns under a header, for the human-readable output of the query commands.
struct TablePrinter {
    let headers: [String]
    private(set) var rows: [[String]] = []
    /// Columns printed flush right (numbers).
    var rightAligned: Set<Int> = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                // The last column is not padded, so lines carry no trailing blanks.
                if i == cells.count - 1 && !rightAligned.contains(i) { parts.append(cell) } else {
                    parts.append(rightAligned.contains(i) ? pad + cell : cell + pad)
                }
            }
            return parts.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// Two columns, field and value: how one object (a case, a profile) is shown.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
    }

    /// A JSON value as a table cell: `-` for null, integers without a fraction, arrays comma-joined.
    static func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "-"
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "yes" : "no"
        case .number(let d)?:
            if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
            return String(d)
        case .array(let a)?: return a.isEmpty ? "-" : a.map { cell($0) }.joined(separator: ",")
        case .object?: return String(decoding: CanonicalJSON.encode(v!), as: UTF8.self)
        }
    }
}
