import Foundation
import JSON
import Logging
import ZeroMQ

/// One request as a service sees it.
public struct WireRequest: Sendable {
    public let header: RequestHeader
    public let body: [UInt8]

    public init(header: RequestHeader, body: [UInt8]) {
        self.header = header
        self.body = body
    }

    public var op: String { header.op }

    public func decode<T: Decodable>(_ type: T.Type) throws(AWSError) -> T {
        try WireCoding.decode(type, from: body)
    }

    public func json() throws(AWSError) -> JSONValue {
        try WireCoding.decodeJSON(body)
    }
}

/// What a service does with a request: a reply body, or a thrown `AWSError`.
public typealias WireHandler = @Sendable (WireRequest) async throws -> [UInt8]

/// A ROUTER socket serving requests concurrently; replies may come late (long polls) and in any order.
public final class WireServer: Sendable {
    /// A larger message makes libzmq drop the sender's connection before buffering it (the largest AWS payload,
    /// an SQS message of 1 MiB, fits with room to spare).
    public static let maximumMessageBytes: Int64 = 8 * 1024 * 1024

    public let endpoint: String
    private let socket: AsyncSocket
    private let logger: Logger

    public static func bind(context: Context, endpoint: String, logger: Logger) async throws -> WireServer {
        let socket = try await AsyncSocket.open(
            context: context,
            type: .router,
            role: .bind(endpoint),
            options: [(SocketOption.routerMandatory, 1)],
            maximumMessageSize: maximumMessageBytes,
            name: "wire-server"
        )
        return WireServer(socket: socket, logger: logger)
    }

    private init(socket: AsyncSocket, logger: Logger) {
        self.socket = socket
        self.endpoint = socket.endpoint
        self.logger = logger
    }

    /// Serves until the socket closes or the task is cancelled.
    public func run(_ handler: @escaping WireHandler) async {
        await withDiscardingTaskGroup { group in
            for await frames in socket.messages {
                group.addTask { await self.serve(frames, handler) }
            }
        }
    }

    public func close() { socket.close() }

    private func serve(_ frames: AsyncSocket.Message, _ handler: WireHandler) async {
        guard let identity = frames.first, !identity.isEmpty else {
            logger.warning("dropped a message without a routing identity")
            return
        }
        guard frames.count == 3 else {
            logger.warning("malformed request: \(frames.count - 1) frames after the envelope, expected 2")
            reply(
                to: identity, id: "", error: .serialization("Expected 2 frames (header, body), got \(frames.count - 1)")
            )
            return
        }
        let header: RequestHeader
        do {
            header = try RequestHeader(frame: frames[1])
        } catch {
            logger.warning("malformed request header")
            reply(to: identity, id: "", error: .serialization("Malformed request header"))
            return
        }
        guard header.v == wireProtocolVersion else {
            reply(
                to: identity, id: header.id,
                error: AWSError(
                    "UnsupportedProtocolVersion",
                    "Wire protocol version \(header.v) is not supported; this server speaks \(wireProtocolVersion)")
            )
            return
        }
        do {
            let body = try await handler(WireRequest(header: header, body: frames[2]))
            socket.send([identity, ReplyHeader(id: header.id, ok: true).jsonBytes, body])
        } catch let error as AWSError {
            reply(to: identity, id: header.id, error: error)
        } catch {
            logger.error("\(header.op) failed: \(error)")
            reply(to: identity, id: header.id, error: AWSError("InternalFailure", "\(error)"))
        }
    }

    private func reply(to identity: [UInt8], id: String, error: AWSError) {
        socket.send([identity, ReplyHeader(id: id, ok: false).jsonBytes, WireCoding.encode(error)])
    }
}
