import Foundation

/// The one thread on which every LMDB write transaction of an environment begins and ends.
///
/// LMDB ties a write transaction to the thread that began it; committing it elsewhere
/// succeeds but deadlocks the next writer. Funnelling every write through this thread makes
/// that mistake impossible.
final class WriterThread: Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private nonisolated(unsafe) var jobs: [@Sendable () -> Void] = []
    private nonisolated(unsafe) var stopping = false
    private nonisolated(unsafe) var thread: Thread?
    private nonisolated(unsafe) var threadIdentity: UnsafeMutableRawPointer?

    init(name: String) {
        // The thread keeps the writer alive until `stop()`, which every Environment calls on close.
        let t = Thread { self.run() }
        t.name = name
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// Whether the caller is on the writer thread.
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        return threadIdentity == Unmanaged.passUnretained(Thread.current).toOpaque()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `job` on the writer thread and waits for it.
    func runSync<T: Sendable>(_ job: @escaping @Sendable () throws -> T) throws -> T {
        if isCurrent { return try job() }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let pending = PendingJob(job)
        submit {
            box.result = pending.run()
            done.signal()
        }
        done.wait()
        // The caller holds the job's last reference, so what it captured (a request's events) is freed
        // here rather than on the writer thread, which has better things to do.
        return try withExtendedLifetime(job) { try box.result!.get() }
    }

    /// Runs `job` on the writer thread and suspends until it is done.
    func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        let pending = PendingJob(job)
        let result: T = try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: pending.run()) }
        }
        // As in `runSync`: the caller, not the writer thread, frees what the job captured.
        return withExtendedLifetime(job) { result }
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        threadIdentity = Unmanaged.passUnretained(Thread.current).toOpaque()
        condition.unlock()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job() }
        }
    }
}

/// A job the writer thread runs once and lets go of before answering, so its captures are never freed there.
// The writer thread is the only one to call `run`, once; the caller only keeps the instance alive.
private final class PendingJob<T>: @unchecked Sendable {
    private var job: (() throws -> T)?

    init(_ job: @escaping () throws -> T) {
        self.job = job
    }

    func run() -> Result<T, any Error> {
        let job = self.job!
        self.job = nil
        return Result { try job() }
    }
}

/// Carries a result from the writer thread to a waiting caller.
// The semaphore orders the single write before the single read, so no two threads touch it at once.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
