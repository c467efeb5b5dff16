import ServiceSupport
import Synchronization

/// A simulation's time: the executor's virtual seconds, and waits that are timers of the executor, so waiting
/// costs no real time. A process's clock is an `AdjustableWallClock` over it (`DeterministicExecutor.clock`), so
/// clock faults and fast clocks work as they do on real time.
public struct VirtualTime: TimeSource {
    let executor: DeterministicExecutor

    public init(executor: DeterministicExecutor) {
        self.executor = executor
    }

    public func now() -> Double { executor.now }

    public func sleep(for duration: Duration) async throws {
        let due = executor.now + max(duration.seconds, 0)
        // Set once the timer is: whichever of firing and cancellation comes first resumes the waiter.
        let waiter = Mutex<(timer: Int?, continuation: CheckedContinuation<Void, any Error>?, cancelled: Bool)>(
            (nil, nil, false))
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let alreadyCancelled = waiter.withLock { state -> Bool in
                    if state.cancelled { return true }
                    state.continuation = continuation
                    return false
                }
                if alreadyCancelled { return continuation.resume(throwing: CancellationError()) }
                let timer = executor.schedule(at: due) {
                    waiter.withLock { state in
                        defer { state.continuation = nil }
                        return state.continuation
                    }?.resume()
                }
                waiter.withLock { $0.timer = timer }
            }
        } onCancel: {
            let (timer, continuation) = waiter.withLock { state in
                defer {
                    state.cancelled = true
                    state.continuation = nil
                }
                return (state.timer, state.continuation)
            }
            guard let continuation else { return }  // fired already
            if let timer { executor.cancel(timer: timer) }
            continuation.resume(throwing: CancellationError())
        }
    }
}

extension DeterministicExecutor {
    /// A process's clock on this executor's virtual time, running `rate` times as fast from the run's start (as
    /// `AdjustableWallClock` runs on real time from a topology's epoch).
    public func clock(rate: Double = 1) -> AdjustableWallClock {
        AdjustableWallClock(rate: rate, epoch: start, source: VirtualTime(executor: self))
    }
}
