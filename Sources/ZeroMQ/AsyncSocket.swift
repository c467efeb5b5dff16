import CZeroMQ
import Foundation
import Glibc
import Synchronization

/// A socket owned by one dedicated thread, usable from async code.
///
/// libzmq sockets are not thread-safe, and a blocking zmq call on Swift's cooperative pool (two threads on this
/// machine) would stall half of it. So the thread waits in `zmq_poll` on the socket and an eventfd; `send` queues
/// frames and writes the eventfd; received messages flow out through `messages`.
public final class AsyncSocket: Sendable {
    public typealias Message = [[UInt8]]

    /// Every message received, in order. Finishes when the socket closes.
    public let messages: AsyncStream<Message>
    /// The endpoint bound or connected, resolved (a `tcp://127.0.0.1:*` bind shows its port).
    public let endpoint: String

    private let outgoing: Outgoing
    private let wakeFD: Int32

    private struct OutgoingQueue {
        var frames: [Message] = []
        var closing = false
    }

    private final class Outgoing: Sendable {
        let queue = Mutex(OutgoingQueue())
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
        name: String = "zmq"
    ) async throws -> AsyncSocket {
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .unbounded)
        let outgoing = Outgoing()
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
        return AsyncSocket(messages: stream, endpoint: endpoint, outgoing: outgoing, wakeFD: wakeFD)
    }

    private struct OptionPair: Sendable {
        let option: Int32
        let value: Int32
    }

    private init(messages: AsyncStream<Message>, endpoint: String, outgoing: Outgoing, wakeFD: Int32) {
        self.messages = messages
        self.endpoint = endpoint
        self.outgoing = outgoing
        self.wakeFD = wakeFD
    }

    deinit { close() }

    /// Queues a multipart message for the socket's thread. Never blocks.
    public func send(_ frames: Message) {
        let accepted = outgoing.queue.withLock { queue -> Bool in
            guard !queue.closing else { return false }
            queue.frames.append(frames)
            return true
        }
        if accepted { wake() }
    }

    /// Closes the socket (unsent messages are dropped after the linger period) and finishes `messages`.
    public func close() {
        let first = outgoing.queue.withLock { queue -> Bool in
            defer { queue.closing = true }
            return !queue.closing
        }
        if first { wake() }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    private static func serve(
        socket: Socket,
        wakeFD: Int32,
        outgoing: Outgoing,
        continuation: AsyncStream<Message>.Continuation
    ) {
        // Messages that would block (e.g. a DEALER with no connected peer) wait here and are retried.
        var backlog: [Message] = []
        while true {
            let (pending, closing) = outgoing.queue.withLock { queue -> ([Message], Bool) in
                defer { queue.frames.removeAll(keepingCapacity: true) }
                return (queue.frames, queue.closing)
            }
            if closing { return }
            backlog.append(contentsOf: pending)
            while !backlog.isEmpty {
                do {
                    if try socket.send(backlog[0], dontWait: true) {
                        backlog.removeFirst()
                    } else {
                        break
                    }
                } catch {
                    // An unroutable reply (peer gone) or similar: drop it; the peer will retry its request.
                    backlog.removeFirst()
                }
            }
            let readiness: (socketReadable: Bool, fileReadable: Bool)
            do {
                readiness = try socket.poll(alsoWatching: wakeFD, timeoutMilliseconds: backlog.isEmpty ? 1000 : 10)
            } catch {
                return
            }
            if readiness.fileReadable {
                var counter: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &counter) { read(wakeFD, $0.baseAddress, 8) }
            }
            if readiness.socketReadable {
                // zmq_poll is level-triggered: drain everything that is ready.
                while true {
                    do {
                        guard let message = try socket.receive(dontWait: true) else { break }
                        continuation.yield(message)
                    } catch {
                        break
                    }
                }
            }
        }
    }
}
