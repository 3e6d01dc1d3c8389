/// Why a batch was refused: the index of the first bad event and its error. Nothing was written.
public struct AppendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var error: LedgerError

    public init(index: Int, error: LedgerError) {
        self.index = index
        self.error = error
    }

    public var description: String { "event \(index): \(error)" }
}
