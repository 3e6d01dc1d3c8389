import Foundation

/// Lets read transactions run together while keeping them all out during a map resize.
///
/// mdb_env_set_mapsize is only safe when no transaction of this process is active. Read
/// transactions are closure-scoped, so they enter the gate shared; the writer thread enters
/// it exclusively to resize. Waiting resizers block new readers so they cannot starve.
final class ResizeGate: Sendable {
    // NSCondition is thread-safe; the counters are only touched while it is locked.
    private let condition = NSCondition()
    private nonisolated(unsafe) var readers = 0
    private nonisolated(unsafe) var exclusive = false
    private nonisolated(unsafe) var waitingExclusive = 0

    func shared<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        while exclusive || waitingExclusive > 0 { condition.wait() }
        readers += 1
        condition.unlock()
        defer {
            condition.lock()
            readers -= 1
            if readers == 0 { condition.broadcast() }
            condition.unlock()
        }
        return try body()
    }

    func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        waitingExclusive += 1
        while exclusive || readers > 0 { condition.wait() }
        waitingExclusive -= 1
        exclusive = true
        condition.unlock()
        defer {
            condition.lock()
            exclusive = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
