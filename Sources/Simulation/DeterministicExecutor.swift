import Foundation
import ServiceSupport
import Synchronization

/// Runs a simulation's tasks one job at a time on one thread, in the order they became ready, and moves virtual
/// time forward only when no job is ready: the same program gives the same interleaving on every run.
///
/// A task runs here if it prefers this executor: the first task `run` starts does, its child tasks and the default
/// actors it calls inherit that, and the services' unstructured tasks do through `spawn` (`TaskPlacement`). Waits
/// go through `VirtualTime`, whose timers this executor keeps. Anything else (`Task.sleep`, a callback from a
/// thread of its own) would come back at a real moment and break determinism; the determinism tests catch it.
public final class DeterministicExecutor: TaskExecutor, @unchecked Sendable {
    private struct Timer {
        var due: Double
        var sequence: Int
        var fire: @Sendable () -> Void
    }

    private struct State {
        var ready: [UnownedJob] = []
        var next = 0
        var timers = TimerHeap()
        var now: Double
        var sequence = 0
        var cancelled: Set<Int> = []
        var jobs = 0
        var driver: pthread_t?
    }

    private let state: Mutex<State>

    /// The virtual time the run began at, in seconds since 1970.
    public let start: Double

    public init(start: Double = 1_700_000_000) {
        self.start = start
        state = Mutex(State(now: start))
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock { $0.ready.append(job) }
    }

    /// Virtual seconds since 1970.
    public var now: Double { state.withLock { $0.now } }

    /// Whether the caller runs on the thread that drives this executor (where every job of the simulation runs).
    public var isDriving: Bool {
        guard let driver = state.withLock({ $0.driver }) else { return false }
        return pthread_equal(driver, pthread_self()) != 0
    }

    /// Jobs run so far.
    public var jobsRun: Int { state.withLock { $0.jobs } }

    /// Jobs ready and timers set that have not run: what a finished run left behind.
    public var leftBehind: (jobs: Int, timers: Int) {
        state.withLock { ($0.ready.count - $0.next, $0.timers.count - $0.cancelled.count) }
    }

    /// Calls `fire` once virtual time reaches `due` (now, if it has passed), after every job ready before then.
    /// Returns the timer's id, for `cancel`.
    @discardableResult
    public func schedule(at due: Double, _ fire: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.sequence += 1
            state.timers.push(TimerHeap.Entry(due: max(due, state.now), sequence: state.sequence, fire: fire))
            return state.sequence
        }
    }

    /// Stops a timer that has not fired: it never will.
    public func cancel(timer id: Int) {
        _ = state.withLock { $0.cancelled.insert(id) }
    }

    public enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        /// Every task waits and no timer is set: nothing can ever happen again (a deadlock in what was run).
        case stuck(at: Double)
    }

    /// Runs `body` as the simulation's first task, on a thread of its own, and drives every job and timer until it
    /// returns; then, for `drain` more virtual seconds, whatever it left behind (tasks it cancelled finishing, calls
    /// timing out), so that they end and free what they hold. Anything still waiting after that is not run further.
    public func run<T: Sendable>(drain: Double = 0, _ body: @escaping @Sendable () async -> T) async -> Outcome<T> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                self.state.withLock { $0.driver = pthread_self() }
                let result = Box<T>()
                TaskPlacement.$preferredExecutor.withValue(self) {
                    _ = Task(executorPreference: self) {
                        let value = await body()
                        result.value.withLock { $0 = value }
                    }
                }
                let finished = self.drive(before: .infinity) { result.value.withLock { $0 != nil } }
                if finished, drain > 0 { _ = self.drive(before: self.now + drain) { false } }
                continuation.resume(
                    returning: finished ? .finished(result.value.withLock { $0! }) : .stuck(at: self.now))
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Runs ready jobs, then the earliest timer due before `horizon`, until `done` (true) or nothing is left to run
    /// (false).
    private func drive(before horizon: Double, until done: () -> Bool) -> Bool {
        while !done() {
            enum Step {
                case job(UnownedJob)
                case timer(@Sendable () -> Void)
                case idle
            }
            let step = state.withLock { state -> Step in
                if state.next < state.ready.count {
                    let job = state.ready[state.next]
                    state.next += 1
                    if state.next > 4096, state.next * 2 > state.ready.count {
                        state.ready.removeFirst(state.next)
                        state.next = 0
                    }
                    state.jobs += 1
                    return .job(job)
                }
                while let timer = state.timers.pop() {
                    if state.cancelled.remove(timer.sequence) != nil { continue }
                    guard timer.due < horizon else {
                        state.timers.push(timer)
                        return .idle
                    }
                    state.now = max(state.now, timer.due)
                    return .timer(timer.fire)
                }
                return .idle
            }
            switch step {
            case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            // A timer fires outside any task: tasks it spawns must still land here.
            case .timer(let fire): TaskPlacement.$preferredExecutor.withValue(self) { fire() }
            case .idle: return false
            }
        }
        return true
    }
}

private final class Box<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

/// Timers by due time, then by the order they were set: a binary min-heap.
struct TimerHeap {
    struct Entry {
        var due: Double
        var sequence: Int
        var fire: @Sendable () -> Void

        func precedes(_ other: Entry) -> Bool { (due, sequence) < (other.due, other.sequence) }
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
