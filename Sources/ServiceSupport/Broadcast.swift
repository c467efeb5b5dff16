import Foundation
import Synchronization

/// Wakes every waiter at once (long polls on a queue that just got a message).
public final class Broadcast: Sendable {
    private let waiters = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])

    public init() {}

    public func signal() {
        let all = waiters.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for waiter in all { waiter.resume() }
    }

    /// Returns when signalled or after `timeout`.
    public func wait(timeout: Duration) async {
        let id = UUID()
        let timer = Mutex<Task<Void, Never>?>(nil)
        await withCheckedContinuation { continuation in
            waiters.withLock { $0[id] = continuation }
            // Started only once registered, so even a zero timeout cannot fire before there is a waiter.
            let task = Task {
                try? await Task.sleep(for: timeout)
                self.resume(id)
            }
            timer.withLock { $0 = task }
        }
        timer.withLock { $0?.cancel() }
    }

    private func resume(_ id: UUID) {
        waiters.withLock { $0.removeValue(forKey: id) }?.resume()
    }
}
