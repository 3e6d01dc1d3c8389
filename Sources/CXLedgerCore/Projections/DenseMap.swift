/// Values by a dense number (see `FoldIdentifiers`): an array with a hole for each number given no value yet.
///
/// A rebuild's folds keep their state by case and by customer. Looked up by identifier in dictionaries of a
/// hundred thousand entries, each event cost each fold a cache miss or two; numbered once per event by its share,
/// an event costs each fold one array access.
struct DenseMap<Value> {
    private var values: [Value?] = []

    init(capacity: Int = 0) {
        values.reserveCapacity(capacity)
    }

    subscript(number: Int) -> Value? {
        get { number < values.count ? values[number] : nil }
        set {
            if number >= values.count {
                guard newValue != nil else { return }
                values.append(contentsOf: repeatElement(nil, count: number + 1 - values.count))
            }
            values[number] = newValue
        }
    }

    /// Changes the value of `number` where it lies, starting from `initial` when there is none.
    mutating func update(_ number: Int, from initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        if number >= values.count { values.append(contentsOf: repeatElement(nil, count: number + 1 - values.count)) }
        if values[number] == nil { values[number] = initial() }
        change(&values[number]!)
    }

    /// Changes the value of `number` where it lies, if there is one.
    mutating func updateIfPresent(_ number: Int, _ change: (inout Value) -> Void) {
        guard number < values.count, values[number] != nil else { return }
        change(&values[number]!)
    }

    /// The numbers holding a value, in ascending order (the values stay where they are: copied out all at once,
    /// a hundred thousand case records were a large part of building a table).
    var numbers: [Int] {
        values.indices.filter { values[$0] != nil }
    }
}
