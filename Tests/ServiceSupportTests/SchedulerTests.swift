import Logging
import ServiceSupport
import Simulation
import Synchronization
import Testing

/// The one scheduler of due work, on a deterministic executor: virtual time, so "when due" is exact and a wait of
/// an hour takes none.
@Suite struct SchedulerTests {
    /// Rows of due work, as an owner's table would hold them: an id and a due time each.
    final class Table: Sendable {
        let rows = Mutex<[Int64: Double]>([:])

        func due(at now: Double, limit: Int) -> Scheduler<Int64>.Due {
            rows.withLock { rows in
                let due = rows.filter { $0.value <= now }.keys.sorted().prefix(limit)
                return .init(items: Array(due), next: rows.values.filter { $0 > now }.min())
            }
        }

        func remove(_ id: Int64) { _ = rows.withLock { $0.removeValue(forKey: id) } }
        var isEmpty: Bool { rows.withLock { $0.isEmpty } }
    }

    /// What the attempts did: starts per row, the most at once, and which saw themselves cancelled.
    final class Attempts: Sendable {
        struct State {
            var starts: [Int64: Int] = [:]
            var running = 0
            var mostAtOnce = 0
            var cancelled: Set<Int64> = []
            var ended: Set<Int64> = []
        }
        let state = Mutex(State())
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable (DeterministicExecutor) async -> T) async throws -> T {
        let executor = DeterministicExecutor()
        guard case .finished(let value) = await executor.run({ await body(executor) }) else {
            throw CancellationError()
        }
        return value
    }

    /// A scheduler whose attempts wait an hour on a peer that never answers, noting whether they were cancelled.
    static func hangingAttempts(on table: Table, clock: any WallClock, attempts: Attempts)
        -> (Scheduler<Int64>, Task<Void, Never>)
    {
        let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"))
        let loop = spawn {
            await scheduler.run(
                .concurrent(max: 8, id: { $0 }) { id in
                    try? await clock.sleep(for: .seconds(3600))
                    attempts.state.withLock { state in
                        if Task.isCancelled { state.cancelled.insert(id) }
                        state.ended.insert(id)
                    }
                    return .settled
                }
            ) { now, limit in table.due(at: now, limit: limit) }
        }
        return (scheduler, loop)
    }

    /// A row stays due until its attempt settles it; the scheduler looks many times meanwhile (each attempt's end
    /// wakes it) and must neither start it again nor run more than `max` at once.
    @Test func anAttemptInFlightIsNotStartedAgainAndAtMostMaxRunAtOnce() async throws {
        let attempts = Attempts()
        let finished = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            table.rows.withLock { rows in for id in Int64(1)...7 { rows[id] = clock.now() } }
            let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"))
            let loop = spawn {
                await scheduler.run(
                    .concurrent(max: 3, id: { $0 }) { id in
                        attempts.state.withLock {
                            $0.starts[id, default: 0] += 1
                            $0.running += 1
                            $0.mostAtOnce = max($0.mostAtOnce, $0.running)
                        }
                        try? await clock.sleep(for: .seconds(Double(id)))
                        table.remove(id)
                        attempts.state.withLock { $0.running -= 1 }
                        return .settled
                    }
                ) { now, limit in table.due(at: now, limit: limit) }
            }
            for _ in 0..<100 where !table.isEmpty { try? await clock.sleep(for: .seconds(1)) }
            loop.cancel()
            await loop.value
            return table.isEmpty
        }
        #expect(finished)
        let state = attempts.state.withLock { $0 }
        #expect(state.starts == Dictionary(uniqueKeysWithValues: (Int64(1)...7).map { ($0, 1) }))
        #expect(state.mostAtOnce == 3)
    }

    /// Work offered in hand starts at the instant it is offered, without a look (the scheduler here only looks when
    /// woken); what is beyond `max` is left for a look, which the offer wakes; and no look starts an offered item
    /// again.
    @Test func offeredWorkStartsAtOnceAndWhatIsBeyondMaxWaitsForALook() async throws {
        let starts = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"), looksEvery: nil)
            let starts = Mutex<[(id: Int64, at: Double, looks: Int)]>([])
            let looks = Atomic(0)
            let loop = spawn {
                await scheduler.run(
                    .concurrent(max: 2, id: { $0 }) { id in
                        starts.withLock { $0.append((id, clock.now(), looks.load(ordering: .relaxed))) }
                        try? await clock.sleep(for: .seconds(5))
                        table.remove(id)
                        return .settled
                    }
                ) { now, limit in
                    looks.add(1, ordering: .relaxed)
                    return table.due(at: now, limit: limit)
                }
            }
            try? await clock.sleep(for: .seconds(1))
            let offeredAt = clock.now()
            table.rows.withLock { rows in for id in Int64(1)...3 { rows[id] = offeredAt } }
            scheduler.offer([1, 2, 3])
            for _ in 0..<100 where !table.isEmpty { try? await clock.sleep(for: .seconds(1)) }
            loop.cancel()
            await loop.value
            return starts.withLock { $0.map { ($0.id, $0.at - offeredAt, $0.looks) } }
        }
        #expect(starts.map(\.0) == [1, 2, 3])
        #expect(starts.map(\.1) == [0, 0, 5], "1 and 2 at the offer, 3 when a slot freed")
        #expect(starts.prefix(2).map(\.2) == [1, 1], "1 and 2 started without a look after the first")
    }

    /// An attempt that leaves its item owed again wakes a look, which finds when it is due and starts it then; one
    /// that settles its item, with nothing waiting for room, costs no look.
    @Test func anItemOwedAgainIsRetriedWhenDueAndASettledOneCostsNoLook() async throws {
        let (starts, looks) = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            let start = clock.now()
            table.rows.withLock { $0[1] = start }
            let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"), looksEvery: nil)
            let starts = Mutex<[Double]>([])
            let looks = Atomic(0)
            let loop = spawn {
                await scheduler.run(
                    .concurrent(max: 4, id: { $0 }) { id in
                        let first = starts.withLock {
                            $0.append(clock.now() - start)
                            return $0.count == 1
                        }
                        guard first else {
                            table.remove(id)
                            return .settled
                        }
                        table.rows.withLock { $0[id] = clock.now() + 10 }
                        return .owedAgain
                    }
                ) { now, limit in
                    looks.add(1, ordering: .relaxed)
                    return table.due(at: now, limit: limit)
                }
            }
            for _ in 0..<100 where !table.isEmpty { try? await clock.sleep(for: .seconds(1)) }
            try? await clock.sleep(for: .seconds(60))
            loop.cancel()
            await loop.value
            return (starts.withLock { $0 }, looks.load(ordering: .relaxed))
        }
        #expect(starts == [0, 10])
        #expect(looks == 3, "the first look, the one the first attempt's end woke, the one at its due time")
    }

    /// A wake for work due after the look the scheduler has planned costs no look (that look finds it in time);
    /// one for work due sooner wakes a look at once, and the work is done when due.
    @Test func aWakeForWorkDueAfterThePlannedLookCostsNoLook() async throws {
        let (fired, looks) = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            let start = clock.now()
            table.rows.withLock { $0[1] = start + 100 }
            let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"), looksEvery: nil)
            let fired = Mutex<[Int64: Double]>([:])
            let looks = Mutex<[Double]>([])
            let loop = spawn {
                await scheduler.run(
                    .batch { ids in
                        for id in ids {
                            fired.withLock { $0[id] = clock.now() - start }
                            table.remove(id)
                        }
                        return 0
                    }
                ) { now, limit in
                    looks.withLock { $0.append(now - start) }
                    return table.due(at: now, limit: limit)
                }
            }
            try? await clock.sleep(for: .seconds(1))
            table.rows.withLock { $0[2] = start + 300 }
            scheduler.wake(dueAt: start + 300)
            try? await clock.sleep(for: .seconds(1))
            table.rows.withLock { $0[3] = start + 50 }
            scheduler.wake(dueAt: start + 50)
            for _ in 0..<100 where !table.isEmpty { try? await clock.sleep(for: .seconds(10)) }
            loop.cancel()
            await loop.value
            return (fired.withLock { $0 }, looks.withLock { $0 })
        }
        #expect(fired == [1: 100, 2: 300, 3: 50])
        #expect(
            looks == [0, 2, 50, 50, 100, 100, 300, 300],
            "no look at 1 s, for the item due at 300; one at 2 s, for the item due at 50")
    }

    /// `cancel` stops the attempt owed for a task that ended (its row already gone), without waiting it out.
    @Test func cancelStopsAnAttemptInFlight() async throws {
        let attempts = Attempts()
        let (endedBeforeStop, waited) = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            table.rows.withLock { $0[1] = clock.now() }
            let (scheduler, loop) = Self.hangingAttempts(on: table, clock: clock, attempts: attempts)
            let start = clock.now()
            try? await clock.sleep(for: .seconds(1))
            table.remove(1)
            scheduler.cancel([1])
            for _ in 0..<100 where attempts.state.withLock({ $0.ended.isEmpty }) {
                try? await clock.sleep(for: .milliseconds(10))
            }
            let ended = attempts.state.withLock { $0.ended }
            loop.cancel()
            await loop.value
            return (ended, clock.now() - start)
        }
        #expect(endedBeforeStop == [1], "the attempt was not stopped before the scheduler")
        #expect(attempts.state.withLock { $0.cancelled } == [1])
        #expect(waited < 10, "the attempt ran its hour out")
    }

    /// Stopping the scheduler cancels its attempts in flight and returns only once they have ended.
    @Test func stoppingCancelsTheAttemptsInFlightAndWaitsForThem() async throws {
        let attempts = Attempts()
        let endedBeforeStop = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            table.rows.withLock { rows in for id in Int64(1)...3 { rows[id] = clock.now() } }
            let (_, loop) = Self.hangingAttempts(on: table, clock: clock, attempts: attempts)
            try? await clock.sleep(for: .seconds(1))
            loop.cancel()
            await loop.value
            return attempts.state.withLock { $0.ended }
        }
        #expect(endedBeforeStop == [1, 2, 3])
        #expect(attempts.state.withLock { $0.cancelled } == [1, 2, 3])
    }

    /// Batches: every item due is handed to one call, and an item due later is handed over when its time comes,
    /// exactly then.
    @Test func aBatchHasEveryDueItemAndTheNextComesWhenDue() async throws {
        let batches = try await Self.run { executor in
            let clock = executor.clock()
            let table = Table()
            let start = clock.now()
            table.rows.withLock { rows in
                for id in Int64(1)...3 { rows[id] = start }
                rows[4] = start + 50
            }
            let scheduler = Scheduler<Int64>("test", clock: clock, logger: Logger(label: "test"))
            let batches = Mutex<[(ids: [Int64], at: Double)]>([])
            let loop = spawn {
                await scheduler.run(
                    .batch { ids in
                        batches.withLock { $0.append((ids, clock.now() - start)) }
                        for id in ids { table.remove(id) }
                        return 0
                    }
                ) { now, limit in table.due(at: now, limit: limit) }
            }
            for _ in 0..<100 where !table.isEmpty { try? await clock.sleep(for: .seconds(1)) }
            loop.cancel()
            await loop.value
            return batches.withLock { $0.map { ($0.ids, $0.at) } }
        }
        #expect(batches.map(\.0) == [[1, 2, 3], [4]])
        #expect(batches.last?.1 == 50)
    }
}
