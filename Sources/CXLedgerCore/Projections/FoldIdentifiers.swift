/// The customers and cases one share of a rebuild has met, numbered densely in the order it met them (see
/// `DenseMap`), so its folds keep their state in arrays instead of dictionaries keyed by identifier.
final class FoldIdentifiers: @unchecked Sendable {
    // @unchecked: as the folds of the share it numbers for (see `BulkFold`).

    private var customerNumbers: [UTF8Key: Int] = [:]
    private var caseNumbers: [UTF8Key: Int] = [:]
    /// Each customer's and case's key, by number.
    private(set) var customers: [UTF8Key] = []
    private(set) var cases: [UTF8Key] = []

    init(cases: Int) {
        caseNumbers.reserveCapacity(cases)
        self.cases.reserveCapacity(cases)
    }

    /// The customer's number, given it when first met.
    func customer(_ key: UTF8Key) -> Int {
        if let n = customerNumbers[key] { return n }
        customers.append(key)
        customerNumbers[key] = customers.count - 1
        return customers.count - 1
    }

    /// The number of the case `case.opened` opens, given it unless already known.
    func opening(_ key: UTF8Key) -> Int {
        if let n = caseNumbers[key] { return n }
        cases.append(key)
        caseNumbers[key] = cases.count - 1
        return cases.count - 1
    }

    /// The number of a case opened before, if it was.
    func opened(_ key: UTF8Key) -> Int? { caseNumbers[key] }

    /// Whether `other` numbered a case this one did too.
    func sharesCases(with other: FoldIdentifiers) -> Bool {
        let (small, large) = caseNumbers.count <= other.caseNumbers.count ? (self, other) : (other, self)
        return small.cases.contains { large.caseNumbers[$0] != nil }
    }

    /// Case numbers in the key order of their cases (LMDB's byte order).
    func casesInKeyOrder(_ numbers: [Int]) -> [Int] {
        numbers.sorted { cases[$0].precedes(cases[$1]) }
    }

    /// Customer numbers in the key order of their customers.
    func customersInKeyOrder(_ numbers: [Int]) -> [Int] {
        numbers.sorted { customers[$0].precedes(customers[$1]) }
    }
}
