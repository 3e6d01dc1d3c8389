import Foundation
import Synchronization
import Testing
@testable import CXLedgerCore

@Suite("Event log: commit listener")
struct CommitListenerTests {
    /// Reading a closure out of a `Mutex` through `withLock { $0 }` writes it back re-wrapped in conversion
    /// thunks, so a listener kept that way got one layer deeper with every commit and a long-running server
    /// spent ever more of its writer thread calling it. The stack under the listener must not grow.
    @Test("the listener is called at the same stack depth on the first and the 500th group commit")
    func listenerDoesNotDeepen() async throws {
        let dir = FixtureDirectory("commit-listener")
        let log = try EventLog(directory: dir.path)
        let depths = Mutex<[Int]>([])
        let counts = Mutex<(requests: Int, events: Int)>((0, 0))
        log.setCommitListener { requests, events, _ in
            depths.withLock { $0.append(Thread.callStackSymbols.count) }
            counts.withLock { $0.requests += requests; $0.events += events }
        }
        for n in 0..<500 {
            try await log.append([try fixtureInteraction(n)])
        }
        let seen = depths.withLock { $0 }
        #expect(seen.count == 500)
        #expect(Set(seen).count == 1, "stack depths under the listener: first \(seen.first ?? 0), last \(seen.last ?? 0)")
        #expect(counts.withLock { $0.requests } == 500)
        #expect(counts.withLock { $0.events } == 500)
    }
}

@Suite("Event log: lifetime")
struct EventLogLifetimeTests {
    @Test("a log and its projection host are freed once their owner lets go, and the ledger reopens with everything")
    func logAndHostAreFreed() throws {
        let dir = FixtureDirectory("lifetime")
        weak var weakLog: EventLog?
        weak var weakHost: ProjectionHost?
        do {
            let log = try EventLog(directory: dir.path)
            let host = try ProjectionHost(log: log)
            try log.append([try fixtureInteraction(1), try fixtureInteraction(2)])
            weakLog = log
            weakHost = host
            #expect(try host.status(of: "customer-history")?.checkpoint == 2)
        }
        #expect(weakLog == nil)
        #expect(weakHost == nil)
        // Freed means the environment was closed; the same directory opens again, projections in step.
        let log = try EventLog(directory: dir.path)
        #expect(try log.head().position == 2)
        // Appended with no host alive: the projections lag until a writable host opens and catches them up.
        try log.append([try fixtureInteraction(3)])
        let host = try ProjectionHost(log: log)
        for name in ["open-cases", "customer-history", "repeat-incidents", "at-risk"] {
            #expect(try host.status(of: name)?.checkpoint == 3, "\(name)")
        }
        #expect(try host.check(CustomerHistoryProjection.self).isEmpty)
    }

    @Test("after group-commit appends, the owner's last reference frees the log at once, not the writer thread later")
    func groupCommitLetsGoBeforeAnswering() async throws {
        let dir = FixtureDirectory("lifetime-async")
        for round in 0..<20 {
            weak var weakLog: EventLog?
            do {
                let log = try EventLog(directory: dir.path)
                let host = try ProjectionHost(log: log)
                try await log.append([try fixtureInteraction(round)])
                weakLog = log
                withExtendedLifetime(host) {}
            }
            // Had the writer thread's job still held the log, it would close the environment whenever it
            // got round to it, possibly after the next round had opened the same files.
            #expect(weakLog == nil, "round \(round)")
        }
        let log = try EventLog(directory: dir.path)
        #expect(try log.head().position == 20)
        #expect(try LogVerifier.verify(log).isValid)
    }
}
