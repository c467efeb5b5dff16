import Foundation
import Synchronization

/// The time a service acts on, and the only way it waits. Behind a protocol so tests and experiments can skew or
/// speed it up (a 300-second task timeout in seconds of real time) and a simulation can run it on virtual time,
/// while the code stays the same.
public protocol WallClock: Sendable {
    /// Seconds since 1970.
    func now() -> Double
    /// Real seconds until this clock reads `deadline` at its current rate (≤ 0: it has passed).
    func realSeconds(until deadline: Double) -> Double
    /// Suspends for `duration` of the time that drives the clock: real time in a process, virtual time in a
    /// simulation. For back-offs, polls and timeouts, which must not run fast with a fast clock. Throws
    /// `CancellationError` if the task is cancelled.
    func sleep(for duration: Duration) async throws
}

extension WallClock {
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    /// Suspends until the clock reads about `deadline` (at its current rate; a clock set meanwhile is not noticed).
    public func sleep(untilReading deadline: Double) async throws {
        try await sleep(for: .seconds(max(realSeconds(until: deadline), 0)))
    }
}

/// The system clock, optionally offset and running at a rate: `rate` 60 makes a minute pass in a second.
public struct SystemWallClock: WallClock {
    public let offset: Double
    public let rate: Double
    private let origin: Double

    public init(offset: Double = 0, rate: Double = 1) {
        precondition(rate > 0, "a clock's rate must be positive")
        self.offset = offset
        self.rate = rate
        self.origin = Date().timeIntervalSince1970
    }

    public func now() -> Double {
        let real = Date().timeIntervalSince1970
        return origin + (real - origin) * rate + offset
    }

    public func realSeconds(until deadline: Double) -> Double { (deadline - now()) / rate }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// What a clock is driven by: real time in a process, a simulation's virtual time.
public protocol TimeSource: Sendable {
    /// Seconds since 1970.
    func now() -> Double
    /// Suspends for `duration` of this time; throws `CancellationError` if the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's real time.
public struct RealTime: TimeSource {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// A process's clock, skewable and re-rated while the process runs (an experiment's clock faults), over real
/// time or, in a simulation, virtual time.
public final class AdjustableWallClock: WallClock {
    private struct Anchor {
        var real: Double
        var clock: Double
        var rate: Double
        var offset: Double
    }

    private let anchor: Mutex<Anchor>
    private let source: any TimeSource

    /// `epoch`: the real time at which the fast clock equals real time. Processes of one topology share it, so
    /// their fast clocks agree, and a restarted process's clock carries on instead of jumping back.
    public init(offset: Double = 0, rate: Double = 1, epoch: Double? = nil, source: any TimeSource = RealTime()) {
        precondition(rate > 0, "a clock's rate must be positive")
        let real = epoch ?? source.now()
        self.source = source
        anchor = Mutex(Anchor(real: real, clock: real, rate: rate, offset: offset))
    }

    public func now() -> Double { reading().now }

    /// The time and the rate, read together (a SetClock may change both).
    private func reading() -> (now: Double, rate: Double) {
        let real = source.now()
        return anchor.withLock { ($0.clock + (real - $0.real) * $0.rate + $0.offset, $0.rate) }
    }

    /// Changes the offset and/or rate from now on; time already passed stays as it was.
    public func adjust(offset: Double?, rate: Double?) {
        let real = source.now()
        anchor.withLock { anchor in
            anchor.clock += (real - anchor.real) * anchor.rate
            anchor.real = real
            if let rate, rate > 0 { anchor.rate = rate }
            if let offset { anchor.offset = offset }
        }
    }

    public var rate: Double { anchor.withLock { $0.rate } }

    public func realSeconds(until deadline: Double) -> Double {
        let (now, rate) = reading()
        return (deadline - now) / rate
    }

    public func sleep(for duration: Duration) async throws { try await source.sleep(for: duration) }
}

/// A clock that moves only when told: for tests that must not wait.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Double>

    public init(_ start: Double = 1_700_000_000) {
        current = Mutex(start)
    }

    public func now() -> Double { current.withLock { $0 } }

    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }

    /// Time moves only when told: look again in 5 ms.
    public func realSeconds(until deadline: Double) -> Double { now() < deadline ? 0.005 : 0 }
}
