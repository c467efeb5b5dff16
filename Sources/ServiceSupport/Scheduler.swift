import Logging
import Synchronization

/// The one scheduler for work that falls due: the engine's timers and the integration calls it owes (its outbox),
/// the broker's SNS deliveries, `asl run`'s agenda. The work stays in its owner's table, written in the transaction
/// that made it due, so a crash loses none; the scheduler reads what is due, does it, and sleeps until the next due
/// time or until woken, on the owner's clock (real, fast, set, or a simulation's virtual time).
///
/// Two ways to do it: `batch` hands every due item to one call (timers: one transaction fires them all);
/// `concurrent` gives each item an attempt of its own, at most `max` at once (calls, which wait on a peer). An
/// attempt still in flight is never started again, and `cancel` stops the attempts owed for a task that ended.
public final class Scheduler<Item: Sendable>: Sendable {
    /// What is due at a time: the items (oldest first) and when the next one after them falls due.
    public struct Due: Sendable {
        public var items: [Item]
        public var next: Double?

        public init(items: [Item], next: Double?) {
            self.items = items
            self.next = next
        }
    }

    public enum Mode: Sendable {
        /// Every due item in one call, which returns how many of them failed (kept for the next look).
        case batch(@Sendable ([Item]) async throws -> Int)
        /// An attempt per item (named by its row's `id`), at most `max` at once; each settles its row (done, or due
        /// again later) and says which.
        case concurrent(max: Int, id: @Sendable (Item) -> Int64, @Sendable (Item) async -> AttemptEnd)
    }

    /// What an attempt left of its item.
    public enum AttemptEnd: Sendable {
        /// Done: its row is gone.
        case settled
        /// Still owed, its row due again later: the scheduler looks, to learn when.
        case owedAgain
    }

    /// The attempts of `concurrent` work: those claimed (running, or ended since the last read) and those running.
    private struct Attempts {
        var inFlight: [Int64: Task<Void, Never>] = [:]
        var ended: Set<Int64> = []
        var running = 0
        /// A due item was left for want of room: an attempt's end wakes the scheduler to start it.
        var waitingForRoom = false
        /// The limit and the work of `concurrent` mode, once `run` has started: what `offer` starts attempts with.
        var mode: ConcurrentMode?
    }

    private struct ConcurrentMode {
        var max: Int
        var id: @Sendable (Item) -> Int64
        var perform: @Sendable (Item) async -> AttemptEnd
    }

    /// What to do after a look.
    private enum Next {
        /// More was due than one look takes: look again at once.
        case lookAgain
        /// Sleep until this due time (nil: nothing is due), or until woken.
        case sleep(until: Double?)
    }

    let name: String
    let clock: any WallClock
    let logger: Logger
    let looksEvery: Duration?
    private let wakeup = Wakeup()
    private let attempts = Mutex(Attempts())
    /// When the scheduler next looks (at the latest), on its clock: nil while a look is under way, infinity when
    /// nothing is due.
    private let nextLook = Mutex<Double?>(nil)

    /// `looksEvery`: the longest it sleeps without looking, so a clock that was set, or work nobody woke it for,
    /// is noticed; nil: it sleeps until the next due time or until woken.
    public init(_ name: String, clock: any WallClock, logger: Logger, looksEvery: Duration? = .seconds(1)) {
        self.name = name
        self.clock = clock
        self.logger = logger
        self.looksEvery = looksEvery
    }

    /// New work is due (or sooner than the scheduler thought): look now. Call it once the work is committed, so
    /// the look reads it.
    public func wake() { wakeup.signal() }

    /// New work falls due at `due`: look now only if the scheduler would not look by then anyway (a look is under
    /// way, whose read may have missed it, or the next planned is later). A timeout of minutes, set and cancelled
    /// by every execution, then costs no look. Call it once the work is committed.
    public func wake(dueAt due: Double) {
        let early = nextLook.withLock { next in next.map { due < $0 } ?? true }
        if early { wakeup.signal() }
    }

    /// Work the caller has just committed and holds in hand (`concurrent` mode): its attempts start now, without
    /// a look at the owner's table. What cannot start now (before `run`, or beyond `max`) is left for a look, which
    /// this wakes. Call it once the work is committed, before anything that could settle it can commit: an attempt
    /// a look started for the same row is then still in flight, and is not started again.
    public func offer(_ items: [Item]) {
        let startedAll = attempts.withLock { attempts in
            guard let mode = attempts.mode else { return false }
            return start(items, in: &attempts, mode) == items.count
        }
        if !startedAll { wakeup.signal() }
    }

    /// Stops the attempts in flight for these rows: the task that owed them ended, and their rows are gone.
    public func cancel(_ ids: some Sequence<Int64>) {
        let tasks = attempts.withLock { attempts in ids.compactMap { attempts.inFlight[$0] } }
        for task in tasks { task.cancel() }
    }

    /// Does due work until cancelled, then cancels the attempts in flight and waits for them. `read` returns what
    /// is due at `now`, at most `limit` items.
    public func run(
        _ mode: Mode, read: @escaping @Sendable (_ now: Double, _ limit: Int) async throws -> Due
    ) async {
        if case .concurrent(let max, let id, let perform) = mode {
            attempts.withLock { $0.mode = ConcurrentMode(max: max, id: id, perform: perform) }
        }
        await withTaskCancellationHandler {
            while !Task.isCancelled {
                do {
                    nextLook.withLock { $0 = nil }
                    let next: Next
                    switch mode {
                    case .batch(let perform): next = try await runBatch(perform, read)
                    case .concurrent: next = try await startAttempts(read)
                    }
                    if case .sleep(let until) = next {
                        nextLook.withLock { $0 = until ?? .infinity }
                        await wakeup.wait(until: until, on: clock, looksEvery: looksEvery)
                    }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("\(name): \(error)")
                    try? await clock.sleep(for: .milliseconds(200))
                }
            }
        } onCancel: {
            wakeup.signal()
        }
        // In the order of their rows, so a simulation cancels them the same way every run.
        let inFlight = attempts.withLock { attempts in
            attempts.mode = nil
            defer { attempts.inFlight.removeAll() }
            return attempts.inFlight.sorted { $0.key < $1.key }.map(\.value)
        }
        for task in inFlight { task.cancel() }
        for task in inFlight { await task.value }
    }

    /// Hands every due item (up to 256) to `perform`, then looks again: more may be due.
    private func runBatch(
        _ perform: @Sendable ([Item]) async throws -> Int,
        _ read: @Sendable (_ now: Double, _ limit: Int) async throws -> Due
    ) async throws -> Next {
        let due = try await read(clock.now(), 256)
        guard !due.items.isEmpty else { return .sleep(until: due.next) }
        let failures = try await perform(due.items)
        // Every one failed: give what is wrong a moment before the next look, rather than spin.
        if failures == due.items.count { try await clock.sleep(for: .milliseconds(200)) }
        return .lookAgain
    }

    /// Starts an attempt for each due item not already in flight, then sleeps until the next is due or one ends.
    private func startAttempts(_ read: @Sendable (_ now: Double, _ limit: Int) async throws -> Due) async throws
        -> Next
    {
        // Attempts that ended before this read are settled in what it reads (each ends after its commit); one
        // that ends later keeps its claim until the next read, so a row read stale is never attempted twice.
        let (settled, claimed, max) = attempts.withLock { attempts in
            defer {
                attempts.ended.removeAll(keepingCapacity: true)
                attempts.waitingForRoom = false
            }
            return (attempts.ended, attempts.inFlight.count, attempts.mode?.max ?? 0)
        }
        let due = try await read(clock.now(), max + claimed)
        attempts.withLock { attempts in
            for id in settled { attempts.inFlight.removeValue(forKey: id) }
            if let mode = attempts.mode { _ = start(due.items, in: &attempts, mode) }
        }
        return .sleep(until: due.next)
    }

    /// Starts an attempt for each item not already claimed, while fewer than `max` run; returns how many of
    /// `items` are claimed after it.
    ///
    /// An attempt's end wakes the scheduler only when a look has something to do: an item waits for room, or the
    /// attempt's own item is due again later. Its claim is dropped at the next look either way.
    private func start(_ items: [Item], in attempts: inout Attempts, _ mode: ConcurrentMode) -> Int {
        var claimed = 0
        for item in items {
            let id = mode.id(item)
            if attempts.inFlight[id] != nil {
                claimed += 1
                continue
            }
            guard attempts.running < mode.max else {
                attempts.waitingForRoom = true
                continue
            }
            let perform = mode.perform
            attempts.running += 1
            attempts.inFlight[id] = spawn {
                let end = await perform(item)
                let look = self.attempts.withLock { attempts in
                    attempts.ended.insert(id)
                    attempts.running -= 1
                    return attempts.waitingForRoom || end == .owedAgain
                }
                if look { self.wakeup.signal() }
            }
            claimed += 1
        }
        return claimed
    }
}
