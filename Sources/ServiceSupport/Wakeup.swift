import Synchronization

/// Wakes one background loop early (new work arrived) without losing a signal sent while it was busy.
/// One loop waits on a given `Wakeup` at a time.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        /// Numbers each wait, so a late timer resumes only its own.
        var waits = 0
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns when signalled, when `clock` reads `deadline` (a timer's due time, on the process's clock at its
    /// rate), or after `looksEvery` of real time at most: the loop then looks again, so a clock that was set, or
    /// work nobody signalled, is noticed. With neither a deadline nor `looksEvery`, only a signal returns.
    public func wait(until deadline: Double?, on clock: any WallClock, looksEvery: Duration? = .seconds(1)) async {
        let seconds = [deadline.map { clock.realSeconds(until: $0) }, looksEvery?.seconds].compactMap { $0 }.min()
        await wait(timeout: seconds.map { .seconds(max($0, 0.000_5)) }, on: clock)
    }

    /// Returns when signalled (or if a signal came since the last wait), or after `timeout` of `clock`'s time
    /// (nil: only when signalled).
    public func wait(timeout: Duration?, on clock: any WallClock) async {
        let timer = Mutex<Task<Void, Never>?>(nil)
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> Int? in
                if state.pending {
                    state.pending = false
                    return nil
                }
                state.waits += 1
                state.waiter = (state.waits, continuation)
                return state.waits
            }
            guard let id else {
                continuation.resume()
                return
            }
            guard let timeout else { return }
            // The timer resumes only its own wait, so a late timer never wakes a later one.
            let task = spawn {
                try? await clock.sleep(for: timeout)
                self.expire(id)
            }
            timer.withLock { $0 = task }
        }
        timer.withLock { $0?.cancel() }
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
