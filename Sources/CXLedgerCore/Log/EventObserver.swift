import LMDB

/// Something kept in step with the log inside the append transaction (the live projections).
public protocol EventObserver: AnyObject, Sendable {
    /// Called once per atomic request with its newly stored events, in position order.
    func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws
    /// Called once per atomic request that stored events, after the last of them.
    func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws
}

extension EventObserver {
    public func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws {}
}
