import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import ServiceSupport
import Wire
import ZeroMQ

/// The `aws-gateway` process: one HTTP port for the AWS SDKs and CLI, plus the wire endpoint every process has
/// for health and fault-injection controls.
public enum GatewayService {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// The wire endpoint for control operations (Ping, link faults on the gateway's own calls).
        public var controlEndpoint: String
        public var upstreams: ServiceDirectory.Endpoints
        public var configuration: Gateway.Configuration
        /// The time signatures are checked against (RequestExpired), and what a clock fault moves.
        public var clock: any WallClock

        public init(
            host: String, port: Int, controlEndpoint: String, upstreams: ServiceDirectory.Endpoints,
            configuration: Gateway.Configuration, clock: any WallClock = AdjustableWallClock()
        ) {
            self.clock = clock
            self.host = host
            self.port = port
            self.controlEndpoint = controlEndpoint
            self.upstreams = upstreams
            self.configuration = configuration
        }
    }

    public static func run(_ options: Options) async throws {
        let logger = Logger(label: "aws-gateway")
        let context = Context()
        let faults = LinkFaultInjector(process: "aws-gateway")
        let directory = try await ServiceDirectory.connect(
            context: context, endpoints: options.upstreams, faults: faults)
        let clock = options.clock
        let gateway = Gateway(
            directory: directory, configuration: options.configuration, logger: logger, clock: { clock.now() })
        let application = Application(
            responder: HTTPAdapter(gateway: gateway),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                logger.info(
                    "aws-gateway serving AWS's APIs on http://\(options.host):\(channel.localAddress?.port ?? options.port)"
                )
            },
            logger: logger)
        let control = try await WireServer.bind(context: context, endpoint: options.controlEndpoint, logger: logger)
        try await ServiceHost.run(
            [
                application,
                ServiceHost.api(
                    "aws-gateway", server: control, clock: options.clock, faults: faults, router: WireRouter()),
            ],
            logger: logger)
    }
}

/// Hummingbird's side of the gateway: reads the head and a bounded body, and writes the reply.
struct HTTPAdapter: HTTPResponder {
    typealias Context = BasicRequestContext
    /// Past the body limit, at most this much more is read (and dropped) so the client can read the error reply.
    static let drainLimit = 64 * 1_048_576

    let gateway: Gateway

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.method == .get {
            if let reply = await gateway.healthCheck(path: request.uri.path) { return Self.response(reply) }
            if let reply = gateway.consolePage(path: request.uri.path, accept: request.headers[.accept]) {
                return Self.response(reply)
            }
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0),\(field.value)" } ?? field.value
        }
        // HTTP types keep Host as the :authority pseudo-header; SigV4 signs it as `host`.
        if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
        var incoming = IncomingRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers)
        let preliminary = gateway.route(incoming)
        var body = ByteBuffer()
        var received = 0
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                if received <= preliminary.bodyLimit {
                    body.writeImmutableBuffer(chunk)
                } else if received > preliminary.bodyLimit + Self.drainLimit {
                    break
                }
            }
        } catch {
            return Self.response(
                preliminary.wireProtocol.errorResponse(
                    AWSError.serialization("The request body could not be read: \(error)"),
                    requestId: Gateway.newRequestId()))
        }
        if received > preliminary.bodyLimit { return Self.response(gateway.tooLarge(preliminary)) }
        incoming.body = Array(buffer: body)
        if let reply = await gateway.consoleExtension(incoming) { return Self.response(reply) }
        return Self.response(await gateway.handle(incoming, route: gateway.route(incoming)))
    }

    static func response(_ reply: OutgoingResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
