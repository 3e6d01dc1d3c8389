import LMDB

/// Something kept in step with the log inside the append transaction (the live projections).
public protocol EventObserver: AnyObject, Sendable {
    /// Called once per write transaction that stored events, with all of them in position order (under group
    /// commit, the events of several requests); the last one's position is where the observer has caught up to.
    func apply(_ events: [RecordedEvent], in txn: borrowing WriteTransaction) throws
}
