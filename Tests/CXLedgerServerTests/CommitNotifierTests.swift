import Testing
@testable import CXLedgerServer

@Suite("Long-poll notifier")
struct CommitNotifierTests {
    @Test("waits racing commits, timeouts and cancellations all end, and none is left parked")
    func racingWaitsLeaveNothingBehind() async {
        let notifier = CommitNotifier()
        await withTaskGroup(of: Void.self) { group in
            // Commits arriving all the time, so answers, timeouts and cancellations collide.
            group.addTask {
                for _ in 0..<20_000 {
                    notifier.signal()
                    await Task.yield()
                }
            }
            for reader in 0..<32 {
                group.addTask {
                    for round in 0..<200 {
                        let generation = notifier.generation
                        await notifier.wait(after: generation, timeout: .microseconds((reader * 7 + round) % 50))
                    }
                }
            }
            // Readers cancelled while parked, or before they park.
            for _ in 0..<32 {
                group.addTask {
                    let task = Task { await notifier.wait(after: notifier.generation, timeout: .seconds(600)) }
                    await Task.yield()
                    task.cancel()
                    await task.value
                }
            }
            await group.waitForAll()
        }
        #expect(notifier.parked == 0)
        // A wait that starts after the last commit still parks, and a commit still releases it.
        let generation = notifier.generation
        let parked = Task { await notifier.wait(after: generation, timeout: .seconds(600)) }
        await notifier.waitForWaiters(1)
        notifier.signal()
        await parked.value
        #expect(notifier.parked == 0)
    }
}
