import Synchronization

/// Where a service draws its identifiers (execution names, message ids, receipt handles, task tokens) and random
/// choices from: the system's generator in production, a seeded one in a simulation, so that a seed replays a run.
public protocol RandomSource: Sendable {
    /// The next 64 random bits.
    func next() -> UInt64
}

/// The system's cryptographically secure generator.
public struct SystemRandomSource: RandomSource {
    public init() {}

    public func next() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}

/// A seeded source shared by whoever holds it: one SplitMix64 behind a lock, so draws form one sequence.
public final class SeededRandomSource: RandomSource {
    private let generator: Mutex<SplitMix64>

    public init(seed: UInt64) {
        generator = Mutex(SplitMix64(seed: seed))
    }

    public func next() -> UInt64 {
        generator.withLock { $0.next() }
    }
}

/// A source as a `RandomNumberGenerator`, for APIs that take one (`Int.random(in:using:)`, the interpreter).
public struct RandomSourceGenerator: RandomNumberGenerator {
    let source: any RandomSource

    public mutating func next() -> UInt64 { source.next() }
}

extension RandomSource {
    public var generator: RandomSourceGenerator { RandomSourceGenerator(source: self) }

    public func bytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: next().littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    /// A random (version 4) UUID in AWS's lowercase form: `3f2504e0-4f89-41d3-9a0c-0305e82c3301`.
    public func uuid() -> String {
        var bytes = bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        // Written into the string's own storage: a message id is drawn per message and per delivery, and mapping
        // each byte to a String of two Characters cost the queue broker 2.6% of its time.
        return String(unsafeUninitializedCapacity: 36) { text in
            func digit(_ value: UInt8) -> UInt8 {
                value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
            }
            var at = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                text[at] = digit(byte >> 4)
                text[at + 1] = digit(byte & 0x0F)
                at += 2
            }
            return at
        }
    }
}
