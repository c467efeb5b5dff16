import ServiceSupport
import Simulation
import Synchronization
import Testing

/// Long polls wait on a `Broadcast`: a signal wakes the longest waiting first, as many as asked, or every one.
@Suite struct BroadcastTests {
    @Test func aLimitedSignalWakesTheLongestWaitingAndTheRestWaitOn() async throws {
        let executor = DeterministicExecutor()
        let outcome = await executor.run {
            let clock = executor.clock()
            let broadcast = Broadcast()
            let start = clock.now()
            let woken = Mutex<[(waiter: Int, at: Double)]>([])
            var waiters: [Task<Void, Never>] = []
            for waiter in 1...3 {
                let task = spawn { @Sendable in
                    await broadcast.wait(timeout: .seconds(20), on: clock)
                    woken.withLock { $0.append((waiter, clock.now() - start)) }
                }
                waiters.append(task)
                try? await clock.sleep(for: .seconds(1))
            }
            broadcast.signal(upTo: 1)
            try? await clock.sleep(for: .seconds(1))
            broadcast.signal()
            for waiter in waiters { await waiter.value }
            return woken.withLock { $0.map { "\($0.waiter)@\(Int($0.at))" } }
        }
        guard case .finished(let woken) = outcome else {
            Issue.record("the simulation did not finish")
            return
        }
        #expect(woken == ["1@3", "2@4", "3@4"], "the first waiter at the limited signal, the others at the next")
    }
    /// A waiter learns whether a signal or its timeout woke it: a long poll woken by its timeout only reads.
    @Test func aWaiterHearsWhetherItWasSignalled() async throws {
        let executor = DeterministicExecutor()
        let outcome = await executor.run {
            let clock = executor.clock()
            let broadcast = Broadcast()
            let timedOut = await broadcast.wait(timeout: .seconds(1), on: clock)
            let waiter = spawn { @Sendable in await broadcast.wait(timeout: .seconds(20), on: clock) }
            try? await clock.sleep(for: .seconds(1))
            broadcast.signal()
            return (timedOut, await waiter.value)
        }
        guard case .finished(let (timedOut, signalled)) = outcome else {
            Issue.record("the simulation did not finish")
            return
        }
        #expect(!timedOut && signalled)
    }
}
