import LMDB

/// Something kept in step with the log inside the append transaction (the live projections).
public protocol EventObserver: AnyObject, Sendable {
    /// Called for each newly stored event, in position order.
    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws
    /// Called once per atomic request that stored events, after the last of them.
    func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws
}

extension EventObserver {
    public func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws {}
}
