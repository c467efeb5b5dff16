import ServiceSupport
import Simulation
import Synchronization
import Testing

private actor Counter {
    var value = 0

    func add() -> Int {
        value += 1
        return value
    }
}

/// What happened, in order, stamped with the virtual time.
private final class Trace: Sendable {
    let clock: AdjustableWallClock
    let lines = Mutex<[String]>([])

    init(clock: AdjustableWallClock) { self.clock = clock }

    func note(_ line: String, on executor: DeterministicExecutor) {
        let line = executor.isDriving ? line : line + " (off the executor's thread)"
        lines.withLock { $0.append(String(format: "%9.3f ", clock.now() - 1_700_000_000) + line) }
    }
}

@Suite struct DeterministicExecutorTests {
    /// Tasks that sleep, spawn, wake each other and use default actors, traced in the order things happen.
    static func scenario(seed: Int) async -> [String] {
        let executor = DeterministicExecutor()
        let clock = executor.clock()
        let trace = Trace(clock: clock)
        let outcome = await executor.run {
            let counter = Counter()
            let wakeup = Wakeup()
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for step in 0..<3 {
                            try? await clock.sleep(for: .milliseconds((worker * 7 + step * seed) % 5 * 100 + 50))
                            trace.note("worker \(worker) step \(step) count \(await counter.add())", on: executor)
                            if worker == 3 { wakeup.signal() }
                        }
                    }
                }
                group.addTask {
                    await wakeup.wait(timeout: .seconds(10), on: clock)
                    trace.note("woken", on: executor)
                    let spawned = spawn {
                        try? await clock.sleep(for: .seconds(1))
                        trace.note("spawned task done", on: executor)
                    }
                    await spawned.value
                }
            }
            trace.note("done after \(executor.jobsRun) jobs", on: executor)
            return true
        }
        guard case .finished = outcome else { return ["stuck"] }
        return trace.lines.withLock { $0 }
    }

    @Test func theSameProgramInterleavesTheSameWayEveryRun() async {
        let first = await Self.scenario(seed: 3)
        #expect(first.count == 15, "\(first)")
        #expect(!first.contains { $0.contains("off the executor's thread") }, "\(first)")
        for _ in 0..<5 { #expect(await Self.scenario(seed: 3) == first) }
        #expect(await Self.scenario(seed: 4) != first)
    }

    @Test func virtualTimeMovesOnlyByTimersInOneStep() async {
        let executor = DeterministicExecutor(start: 0)
        let clock = executor.clock()
        let outcome = await executor.run {
            try? await clock.sleep(for: .seconds(3600))
            return clock.now()
        }
        guard case .finished(let reading) = outcome else {
            Issue.record("stuck")
            return
        }
        #expect(reading == 3600)
        // An hour passes in one step to the timer, not in ticks (no real time is measured: that is a benchmark's).
        #expect(executor.jobsRun < 10)
    }

    @Test func aCancelledSleepEndsAtOnceAndItsTimerNeverFires() async {
        let executor = DeterministicExecutor(start: 0)
        let clock = executor.clock()
        let outcome = await executor.run {
            let sleeper = spawn { try await clock.sleep(for: .seconds(100)) }
            try? await clock.sleep(for: .seconds(1))
            sleeper.cancel()
            let result = await sleeper.result
            return (result.isCancellation, clock.now())
        }
        guard case .finished(let (cancelled, reading)) = outcome else {
            Issue.record("stuck")
            return
        }
        #expect(cancelled)
        #expect(reading == 1)
    }

    @Test func everyTaskWaitingWithNoTimerIsReportedStuck() async {
        let executor = DeterministicExecutor(start: 0)
        let outcome = await executor.run {
            await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
        }
        guard case .stuck(let at) = outcome else {
            Issue.record("expected stuck")
            return
        }
        #expect(at == 0)
    }
}

extension Result {
    var isCancellation: Bool {
        if case .failure(let error) = self { error is CancellationError } else { false }
    }
}
