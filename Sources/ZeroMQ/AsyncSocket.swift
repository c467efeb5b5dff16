import CZeroMQ
import Foundation
import Glibc
import Synchronization

/// A socket owned by one dedicated thread, usable from async code.
///
/// libzmq sockets are not thread-safe, and a blocking zmq call on Swift's cooperative pool (two threads on this
/// machine) would stall half of it. So the thread waits in `zmq_poll` on the socket and an eventfd; `send` queues
/// frames and writes the eventfd; received messages flow out through `messages`.
///
/// Both directions are bounded, so libzmq's high-water marks keep their meaning. Outgoing: at most
/// `outgoingLimit` messages wait for the socket (a `send` beyond that is refused: the caller is pushed back), and
/// a message whose sender stopped waiting (`expiresAt`) is dropped unsent. Incoming: at most `incomingLimit`
/// messages wait for the reader; past that the thread stops reading, libzmq's receive queue fills, and the peers'
/// sends back up in turn.
public final class AsyncSocket: Sendable {
    public typealias Message = [[UInt8]]

    /// Every message received, in order. Finishes when the socket closes.
    public let messages: Messages
    /// The endpoint bound or connected, resolved (a `tcp://127.0.0.1:*` bind shows its port).
    public let endpoint: String

    private let outgoing: Outgoing
    private let wakeFD: Int32

    public static let defaultOutgoingLimit = 10_000
    public static let defaultIncomingLimit = 1_000

    struct Outbound {
        var frames: Message
        var expiresAt: ContinuousClock.Instant?
    }

    struct OutgoingQueue {
        var frames: [Outbound] = []
        /// Messages accepted and not yet sent or dropped: the queue plus the thread's backlog.
        var pending = 0
        var closing = false
    }

    final class Outgoing: Sendable {
        let queue = Mutex(OutgoingQueue())
        let limit: Int
        /// Messages handed to `messages` and not yet taken by its reader.
        let unread = Atomic<Int>(0)
        let incomingLimit: Int

        init(limit: Int, incomingLimit: Int) {
            self.limit = limit
            self.incomingLimit = incomingLimit
        }
    }

    /// The received messages. Taking one makes room for the socket's thread to read more.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = Message
        let stream: AsyncStream<Message>
        let outgoing: Outgoing
        let wakeFD: Int32

        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncStream<Message>.Iterator
            let outgoing: Outgoing
            let wakeFD: Int32

            public mutating func next() async -> Message? {
                guard let message = await base.next() else { return nil }
                let before = outgoing.unread.subtract(1, ordering: .relaxed).oldValue
                // The thread stopped reading at the limit: tell it there is room again.
                if before >= outgoing.incomingLimit { AsyncSocket.wake(wakeFD) }
                return message
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), outgoing: outgoing, wakeFD: wakeFD)
        }
    }

    /// How the thread sets the socket up; runs on the socket's own thread.
    public enum Role: Sendable {
        case bind(String)
        case connect(String)
    }

    /// Creates the socket on a new thread, applies `options`, binds or connects it, and returns once that worked.
    public static func open(
        context: Context,
        type: SocketType,
        role: Role,
        options: [(Int32, Int32)] = [],
        maximumMessageSize: Int64? = nil,
        outgoingLimit: Int = AsyncSocket.defaultOutgoingLimit,
        incomingLimit: Int = AsyncSocket.defaultIncomingLimit,
        name: String = "zmq"
    ) async throws -> AsyncSocket {
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .unbounded)
        let outgoing = Outgoing(limit: outgoingLimit, incomingLimit: max(incomingLimit, 1))
        let optionsCopy = options.map { OptionPair(option: $0.0, value: $0.1) }

        let endpoint: String = try await withCheckedThrowingContinuation { ready in
            let thread = Thread {
                let socket: Socket
                do {
                    socket = try Socket(context: context, type: type)
                    for pair in optionsCopy { try socket.setOption(pair.option, pair.value) }
                    if let maximumMessageSize { try socket.setOption(SocketOption.maxMessageSize, maximumMessageSize) }
                    switch role {
                    case .bind(let address): try socket.bind(address)
                    case .connect(let address): try socket.connect(address)
                    }
                } catch {
                    Glibc.close(wakeFD)
                    continuation.finish()
                    ready.resume(throwing: error)
                    return
                }
                let resolved: String
                switch role {
                case .bind(let address): resolved = socket.lastEndpoint ?? address
                case .connect(let address): resolved = address
                }
                ready.resume(returning: resolved)
                AsyncSocket.serve(socket: socket, wakeFD: wakeFD, outgoing: outgoing, continuation: continuation)
                socket.close()
                Glibc.close(wakeFD)
                continuation.finish()
            }
            thread.name = name
            thread.start()
        }
        return AsyncSocket(
            messages: Messages(stream: stream, outgoing: outgoing, wakeFD: wakeFD), endpoint: endpoint,
            outgoing: outgoing, wakeFD: wakeFD)
    }

    private struct OptionPair: Sendable {
        let option: Int32
        let value: Int32
    }

    private init(messages: Messages, endpoint: String, outgoing: Outgoing, wakeFD: Int32) {
        self.messages = messages
        self.endpoint = endpoint
        self.outgoing = outgoing
        self.wakeFD = wakeFD
    }

    deinit { close() }

    /// Queues a multipart message for the socket's thread. Never blocks. Returns false (and drops it) when the
    /// socket is closing or `outgoingLimit` messages already wait: the caller is to back off. A message still
    /// unsent at `expiresAt` (its sender stopped waiting for an answer) is dropped.
    @discardableResult
    public func send(_ frames: Message, expiresAt: ContinuousClock.Instant? = nil) -> Bool {
        let accepted = outgoing.queue.withLock { queue -> Bool in
            guard !queue.closing, queue.pending < outgoing.limit else { return false }
            queue.frames.append(Outbound(frames: frames, expiresAt: expiresAt))
            queue.pending += 1
            return true
        }
        if accepted { Self.wake(wakeFD) }
        return accepted
    }

    /// Messages accepted by `send` and not yet sent or dropped.
    public var pendingCount: Int { outgoing.queue.withLock { $0.pending } }

    /// Closes the socket (unsent messages are dropped after the linger period) and finishes `messages`.
    public func close() {
        let first = outgoing.queue.withLock { queue -> Bool in
            defer { queue.closing = true }
            return !queue.closing
        }
        if first { Self.wake(wakeFD) }
    }

    static func wake(_ wakeFD: Int32) {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    private static func serve(
        socket: Socket,
        wakeFD: Int32,
        outgoing: Outgoing,
        continuation: AsyncStream<Message>.Continuation
    ) {
        // Messages that would block (e.g. a DEALER with no connected peer) wait here until the socket can take
        // them (POLLOUT) or they expire.
        var backlog: [Outbound] = []
        while true {
            let (pending, closing) = outgoing.queue.withLock { queue -> ([Outbound], Bool) in
                defer { queue.frames.removeAll(keepingCapacity: true) }
                return (queue.frames, queue.closing)
            }
            if closing { return }
            backlog.append(contentsOf: pending)
            var settled = 0
            let now = ContinuousClock.now
            let before = backlog.count
            backlog.removeAll { $0.expiresAt.map { $0 <= now } ?? false }
            settled += before - backlog.count
            var sent = 0
            while sent < backlog.count {
                do {
                    guard try socket.send(backlog[sent].frames, dontWait: true) else { break }
                } catch {
                    // An unroutable reply (peer gone) or similar: drop it; the peer will retry its request.
                }
                sent += 1
            }
            backlog.removeFirst(sent)
            settled += sent
            if settled > 0 { outgoing.queue.withLock { $0.pending -= settled } }

            let wantRead = outgoing.unread.load(ordering: .relaxed) < outgoing.incomingLimit
            // Wake for the earliest expiry in the backlog, and at least every second.
            var timeout = 1000
            if let earliest = backlog.lazy.compactMap(\.expiresAt).min() {
                let left = now.duration(to: earliest)
                let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
                timeout = Int(max(1, min(1000, milliseconds + 1)))
            }
            let readiness: (socketReadable: Bool, socketWritable: Bool, fileReadable: Bool)
            do {
                readiness = try socket.poll(
                    readable: wantRead, writable: !backlog.isEmpty, alsoWatching: wakeFD,
                    timeoutMilliseconds: timeout)
            } catch {
                return
            }
            if readiness.fileReadable {
                var counter: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &counter) { read(wakeFD, $0.baseAddress, 8) }
            }
            if readiness.socketReadable {
                // zmq_poll is level-triggered: drain what is ready, up to the room the reader left.
                while outgoing.unread.load(ordering: .relaxed) < outgoing.incomingLimit {
                    do {
                        guard let message = try socket.receive(dontWait: true) else { break }
                        outgoing.unread.add(1, ordering: .relaxed)
                        continuation.yield(message)
                    } catch {
                        break
                    }
                }
            }
        }
    }
}
