import ServiceSupport
import Synchronization

/// A process's clock in a simulation: virtual time from the executor, plus the process's own skew (a clock fault).
/// Every wait is a timer of the executor, so waiting costs no real time.
public final class SimulatedClock: WallClock {
    private let executor: DeterministicExecutor
    private let offset = Mutex(0.0)

    public init(executor: DeterministicExecutor) {
        self.executor = executor
    }

    public func now() -> Double { executor.now + offset.withLock { $0 } }

    /// Moves this process's clock (and only its) by `seconds` from now on.
    public func skew(by seconds: Double) {
        offset.withLock { $0 += seconds }
    }

    public func realSeconds(until deadline: Double) -> Double { deadline - now() }

    public func sleep(for duration: Duration) async throws {
        let (seconds, attoseconds) = duration.components
        let due = executor.now + max(Double(seconds) + Double(attoseconds) / 1e18, 0)
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
