extension EventLog {
    /// Installs the hook called on the writer thread after each group commit is durable and before its
    /// requests are answered, with (requests, events, seconds). The server uses it for metrics and to
    /// wake long-polling readers. Keep it short: the next group waits for it.
    public func setCommitListener(_ listener: (@Sendable (_ requests: Int, _ events: Int, _ seconds: Double) -> Void)?) {
        let box = listener.map(GroupCommit.CommitListener.init)
        groupCommit.commitListener.withLock { $0 = box }
    }
}
