import CZeroMQ

/// An error from libzmq, with its errno and libzmq's text for it.
public struct ZMQError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }

    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    public var isWouldBlock: Bool { code == czmq_eagain() }
    public var isInterrupted: Bool { code == czmq_eintr() }
    public var isTerminated: Bool { code == czmq_eterm() }
    public var isHostUnreachable: Bool { code == czmq_ehostunreach() }
}

/// A libzmq context. Thread-safe, as libzmq documents.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) {
        handle = zmq_ctx_new()!
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
    }

    deinit {
        // Every socket sets a finite linger, so this cannot hang on unsent messages.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == czmq_eintr() {}
    }

    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }
}

public enum SocketType: Sendable {
    case router, dealer, req, rep, push, pull, pub, sub, pair

    var rawValue: Int32 {
        switch self {
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .req: return ZMQ_REQ
        case .rep: return ZMQ_REP
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .pair: return ZMQ_PAIR
        }
    }
}

/// One libzmq socket. Not thread-safe and deliberately not `Sendable`: it lives on the thread that made it.
public final class Socket {
    let handle: UnsafeMutableRawPointer
    // Keeps the context alive for as long as the socket is.
    let context: Context
    private var closed = false

    public init(context: Context, type: SocketType, linger: Int32 = 0) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else { throw ZMQError.last("zmq_socket") }
        self.handle = handle
        self.context = context
        try setOption(ZMQ_LINGER, linger)
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }

    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        let result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard result == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// The endpoint actually bound, e.g. after binding `tcp://127.0.0.1:*`.
    public var lastEndpoint: String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends all frames as one multipart message. Returns false when `dontWait` is set and it would block.
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            if index < frames.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let result = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if result >= 0 { break }
                let error = ZMQError.last("zmq_send")
                if error.isInterrupted { continue }
                // libzmq queues a multipart message atomically, so only the first frame can block.
                if error.isWouldBlock && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one whole multipart message, or nil when `dontWait` is set and none is ready.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let flags: Int32 = (dontWait && frames.isEmpty) ? ZMQ_DONTWAIT : 0
            let result = zmq_msg_recv(&message, handle, flags)
            if result < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.isInterrupted { continue }
                if error.isWouldBlock && frames.isEmpty { return nil }
                throw error
            }
            let size = zmq_msg_size(&message)
            if size == 0 {
                frames.append([])
            } else {
                let data = UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: size)
                frames.append(Array(data))
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for this socket or `fileDescriptor` to be readable.
    /// Returns which of them is.
    public func poll(alsoWatching fileDescriptor: Int32?, timeoutMilliseconds: Int)
        throws(ZMQError) -> (socketReadable: Bool, fileReadable: Bool)
    {
        let ready = try poll(
            readable: true, writable: false, alsoWatching: fileDescriptor, timeoutMilliseconds: timeoutMilliseconds)
        return (ready.socketReadable, ready.fileReadable)
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) until the socket is readable (if `readable`), can take a
    /// message (if `writable`), or `fileDescriptor` is readable.
    public func poll(readable: Bool, writable: Bool, alsoWatching fileDescriptor: Int32?, timeoutMilliseconds: Int)
        throws(ZMQError) -> (socketReadable: Bool, socketWritable: Bool, fileReadable: Bool)
    {
        let events = (readable ? Int16(ZMQ_POLLIN) : 0) | (writable ? Int16(ZMQ_POLLOUT) : 0)
        var items = [zmq_pollitem_t(socket: handle, fd: 0, events: events, revents: 0)]
        if let fileDescriptor {
            items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: Int16(ZMQ_POLLIN), revents: 0))
        }
        while true {
            let result = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
            if result >= 0 { break }
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { continue }
            throw error
        }
        let socketReadable = items[0].revents & Int16(ZMQ_POLLIN) != 0
        let socketWritable = items[0].revents & Int16(ZMQ_POLLOUT) != 0
        let fileReadable = items.count > 1 && items[1].revents & Int16(ZMQ_POLLIN) != 0
        return (socketReadable, socketWritable, fileReadable)
    }
}

/// Socket options by their libzmq names, so callers need not import CZeroMQ.
public enum SocketOption {
    public static let routingID = ZMQ_ROUTING_ID
    public static let immediate = ZMQ_IMMEDIATE
    public static let routerMandatory = ZMQ_ROUTER_MANDATORY
    public static let maxMessageSize = ZMQ_MAXMSGSIZE
    public static let sendHighWaterMark = ZMQ_SNDHWM
    public static let receiveHighWaterMark = ZMQ_RCVHWM
    public static let receiveTimeout = ZMQ_RCVTIMEO
    public static let sendTimeout = ZMQ_SNDTIMEO
    public static let reconnectInterval = ZMQ_RECONNECT_IVL
    public static let reconnectIntervalMax = ZMQ_RECONNECT_IVL_MAX
    public static let heartbeatInterval = ZMQ_HEARTBEAT_IVL
    public static let heartbeatTimeout = ZMQ_HEARTBEAT_TIMEOUT
    public static let connectTimeout = ZMQ_CONNECT_TIMEOUT
    public static let subscribe = ZMQ_SUBSCRIBE
}
