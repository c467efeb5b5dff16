import Synchronization

/// Wakes waiters (long polls on a queue that just got a message) in the order they began to wait: every one, or
/// as many as there is work for.
public final class Broadcast: Sendable {
    private struct Waiters {
        var next = 0
        var waiting: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let waiters = Mutex(Waiters())

    public init() {}

    public func signal() { signal(upTo: .max) }

    /// Wakes the `limit` longest waiting: one message wakes one long poll, not every poll of its queue only for all
    /// but one to find nothing.
    public func signal(upTo limit: Int) {
        let woken = waiters.withLock { table in
            let count = min(limit, table.waiting.count)
            defer { table.waiting.removeFirst(count) }
            return table.waiting.prefix(count)
        }
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }

    /// Returns when signalled (true) or after `timeout` of `clock`'s time (false).
    @discardableResult
    public func wait(timeout: Duration, on clock: any WallClock) async -> Bool {
        let timer = Mutex<Task<Void, Never>?>(nil)
        let signalled = await withCheckedContinuation { continuation in
            let id = waiters.withLock { table in
                defer { table.next += 1 }
                table.waiting.append((table.next, continuation))
                return table.next
            }
            // Started only once registered, so even a zero timeout cannot fire before there is a waiter.
            let task = spawn {
                try? await clock.sleep(for: timeout)
                self.resume(id)
            }
            timer.withLock { $0 = task }
        }
        timer.withLock { $0?.cancel() }
        return signalled
    }

    private func resume(_ id: Int) {
        let waiter = waiters.withLock { table in
            table.waiting.firstIndex { $0.id == id }.map { table.waiting.remove(at: $0) }
        }
        waiter?.continuation.resume(returning: false)
    }
}
