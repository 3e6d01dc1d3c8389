import LMDB

/// Something kept in step with the log inside the append transaction (the live projections).
public protocol EventObserver: AnyObject, Sendable {
    /// Called once per write transaction with every event it stored, in position order. Under group commit
    /// one call carries the events of several requests.
    func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws
    /// Called once per atomic request that stored events, after the last of them.
    func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws
}

extension EventObserver {
    public func didApply(upTo position: Int, in txn: borrowing WriteTransaction) throws {}
}
