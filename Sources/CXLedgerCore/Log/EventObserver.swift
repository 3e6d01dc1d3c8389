import LMDB

/// Something kept in step with the log inside the append transaction (the live projections).
public protocol EventObserver: Sendable {
    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws
}
