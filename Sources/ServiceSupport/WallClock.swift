import Foundation
import Synchronization

/// The time a service acts on. Behind a protocol so tests and experiments can skew or speed it up
/// (a 300-second task timeout in seconds of real time), while the code stays the same.
public protocol WallClock: Sendable {
    /// Seconds since 1970.
    func now() -> Double
    /// Sleeps until `deadline` on this clock (or a little longer), unless cancelled.
    func sleep(until deadline: Double) async throws
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

    public func sleep(until deadline: Double) async throws {
        let remaining = (deadline - now()) / rate
        if remaining > 0 {
            try await Task.sleep(for: .seconds(remaining))
        }
    }
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

    public func sleep(until deadline: Double) async throws {
        while now() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
