import AWSSignature
import Console
import Foundation
import JSON
import Logging
import Template
import Wire

/// An HTTP request as the gateway reads it: the transport is Hummingbird's business, not the protocols'.
public struct IncomingRequest: Sendable {
    public var method: String
    /// The path as sent, still percent-encoded (SigV4 signs it that way).
    public var path: String
    /// The query string as sent, without `?`.
    public var query: String
    /// Header names lower-cased; repeated headers joined with commas.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: String, headers: [String: String], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

public struct OutgoingResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The AWS front door: reads each request in the protocol its SDK speaks (JSON 1.0/1.1, query, Lambda's REST),
/// forwards it as one wire request to the process that owns the operation, and writes AWS's reply or error.
/// It keeps no state of its own.
public final class Gateway: Sendable {
    public struct Configuration: Sendable {
        /// When set, every request must be signed with one of these access keys (key → secret).
        public var credentials: [String: String]?
        /// The account of access keys that are not 12-digit account ids (LocalStack's rule: `test` → this).
        public var defaultAccount: String
        public var defaultRegion: String
        /// The template's functions, for GetFunction and ListFunctions.
        public var functions: [SAMTemplate.Function]
        /// How long a forwarded request may take (SQS long polls take up to 20 s).
        public var upstreamTimeout: Duration
        /// The experiment reports the console lists (nil: none).
        public var reportsDirectory: String?

        public init(
            credentials: [String: String]? = nil, defaultAccount: String = SAMTemplate.defaultAccountId,
            defaultRegion: String = SAMTemplate.defaultRegion, functions: [SAMTemplate.Function] = [],
            upstreamTimeout: Duration = .seconds(30), reportsDirectory: String? = nil
        ) {
            self.reportsDirectory = reportsDirectory
            self.credentials = credentials
            self.defaultAccount = defaultAccount
            self.defaultRegion = defaultRegion
            self.functions = functions
            self.upstreamTimeout = upstreamTimeout
        }
    }

    let directory: ServiceDirectory
    let configuration: Configuration
    let logger: Logger
    let clock: @Sendable () -> Double
    let console: ConsoleSite

    public init(
        directory: ServiceDirectory, configuration: Configuration, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.console = ConsoleSite(reportsDirectory: configuration.reportsDirectory)
    }

    /// What a request is, known from its head: which protocol, API and operation, and how big a body to accept.
    public struct Route: Sendable {
        let wireProtocol: AWSProtocol
        /// The JSON protocols' operation, from `X-Amz-Target`; the query protocol's comes with the body.
        let operation: String?

        /// The largest body this API accepts (AWS's request quotas, with room for the encoding).
        public var bodyLimit: Int {
            switch wireProtocol {
            case .json(.stepFunctions, _): return 1_048_576
            case .restJSON: return 6_291_456
            case .json(.sqs, _), .query(.sqs): return 2 * 1_048_576
            default: return 1_048_576
            }
        }
    }

    // MARK: Handling

    /// Reads the protocol from the request's head. Never fails: an unknown target still gets an error reply in
    /// the protocol its headers ask for.
    public func route(_ request: IncomingRequest) -> Route {
        if let target = request.headers["x-amz-target"] {
            let parts = target.split(separator: ".", maxSplits: 1).map(String.init)
            let api = API(jsonTargetPrefix: parts.first ?? "")
            let version =
                api?.jsonTarget?.version ?? (request.headers["content-type"]?.contains("1.1") == true ? "1.1" : "1.0")
            return Route(
                wireProtocol: .json(api, version: version), operation: parts.count == 2 ? parts[1] : target)
        }
        if request.path.hasPrefix(LambdaREST.prefix) {
            return Route(wireProtocol: .restJSON(.lambda), operation: nil)
        }
        return Route(wireProtocol: .query(queryAPI(request)), operation: nil)
    }

    /// SQS or SNS: by the credential scope, else by the form's `Version`, else by a queue URL's path.
    func queryAPI(_ request: IncomingRequest) -> API? {
        if let authorization = request.headers["authorization"].flatMap(SigV4.parse) {
            if authorization.service == "sns" { return .sns }
            if authorization.service == "sqs" { return .sqs }
        }
        let text = String(decoding: request.body, as: UTF8.self) + "&" + request.query
        if text.contains("Version=2010-03-31") { return .sns }
        if text.contains("Version=2012-11-05") { return .sqs }
        if QueueURLs.queue(inPath: request.path) != nil { return .sqs }
        if let action = FormEncoding.parse(text).first(where: { $0.0 == "Action" })?.1 {
            if AWSModels.sns.operation(action) != nil { return .sns }
            if AWSModels.sqsQuery.operation(action) != nil { return .sqs }
        }
        return nil
    }

    /// The reply to a request whose body was over the route's limit.
    public func tooLarge(_ route: Route, requestId: String = Gateway.newRequestId()) -> OutgoingResponse {
        let error =
            route.wireProtocol.api == .lambda
            ? AWSError("RequestTooLargeException", "Request must be smaller than \(route.bodyLimit) bytes.")
            : AWSError(
                "RequestEntityTooLarge", "The request is larger than the \(route.bodyLimit)-byte limit of this API.")
        return route.wireProtocol.errorResponse(error, status: 413, requestId: requestId)
    }

    public static func newRequestId() -> String { UUID().uuidString.lowercased() }

    /// Answers one request; never throws: every failure becomes AWS's error reply for the request's protocol.
    public func handle(_ request: IncomingRequest, route: Route) async -> OutgoingResponse {
        let requestId = Self.newRequestId()
        return await answering(route.wireProtocol, requestId: requestId) {
            let scope = try authenticate(request, wireProtocol: route.wireProtocol)
            switch route.wireProtocol {
            case .json(let api, let version):
                return try await json(
                    request, api: api, version: version, operation: route.operation ?? "", scope: scope,
                    requestId: requestId)
            case .query(let api):
                return try await query(request, api: api, scope: scope, requestId: requestId)
            case .restJSON:
                return try await lambda(request, scope: scope, requestId: requestId)
            }
        }
    }

    /// The reply `body` makes, or AWS's error reply for what it threw: an AWS error as itself, no answer from the
    /// owning process as ServiceUnavailable, anything else as InternalFailure.
    func answering(
        _ wireProtocol: AWSProtocol, requestId: String, _ body: () async throws -> OutgoingResponse
    ) async -> OutgoingResponse {
        do {
            return try await body()
        } catch let error as AWSError {
            return wireProtocol.errorResponse(error, requestId: requestId)
        } catch let error as WireError {
            logger.warning("no answer from the owning process: \(error)")
            return wireProtocol.errorResponse(
                AWSError("ServiceUnavailable", "The service is unavailable. Try again later."), status: 503,
                requestId: requestId)
        } catch {
            logger.error("\(error)")
            return wireProtocol.errorResponse(
                AWSError("InternalFailure", "The request processing has failed because of an unknown error."),
                status: 500, requestId: requestId)
        }
    }

    // MARK: Health

    /// `GET /_callbacksim/health`: 200 while the gateway serves, with each process behind it and whether it
    /// answers (a liveness probe). `GET /_callbacksim/ready`: the same, but 503 unless every one answers (a
    /// readiness probe). Nil for any other path.
    public func healthCheck(path: String) async -> OutgoingResponse? {
        guard path == "/_callbacksim/health" || path == "/_callbacksim/ready" else { return nil }
        let health = await directory.health()
        var services = JSONObject()
        for (name, answered) in health.sorted(by: { $0.key < $1.key }) {
            services[name] = .string(answered ? "running" : "unavailable")
        }
        let ready = health.values.allSatisfy { $0 }
        let body: JSONValue = ["services": .object(services), "ready": .bool(ready)]
        return OutgoingResponse(
            status: path.hasSuffix("/ready") && !ready ? 503 : 200,
            headers: [("Content-Type", "application/json")], body: body.utf8Bytes)
    }

    // MARK: The console

    /// A browser's GET: the console's pages (and `/` sends a browser there); nil for anything an SDK sends.
    public func consolePage(path: String, accept: String?) -> OutgoingResponse? {
        if path == "/", accept?.contains("text/html") == true {
            return OutgoingResponse(status: 302, headers: [("Location", ConsoleSite.prefix)], body: [])
        }
        guard let reply = console.reply(toGet: path) else { return nil }
        return OutgoingResponse(
            status: reply.status, headers: reply.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            body: reply.body)
    }

    /// `POST /_callbacksim/sqs/ListMessages` with `{"QueueUrl": …}`: a queue's messages read without receiving
    /// them (no receive count, no visibility change), which no AWS API offers; the console's queue page peeks
    /// with it. Errors come as SQS's JSON errors. Nil for any other path.
    public func consoleExtension(_ request: IncomingRequest) async -> OutgoingResponse? {
        guard request.method == "POST", request.path == "/_callbacksim/sqs/ListMessages" else { return nil }
        let wireProtocol = AWSProtocol.json(.sqs, version: "1.0")
        let requestId = Self.newRequestId()
        return await answering(wireProtocol, requestId: requestId) {
            let scope = try authenticate(request, wireProtocol: wireProtocol)
            guard case .object(let input) = try WireCoding.decodeJSON(request.body),
                input["QueueUrl"]?.stringValue != nil
            else { throw AWSError("MissingParameter", "The request must contain the parameter QueueUrl.") }
            var reply = try WireCoding.decodeJSON(
                try await forward(Control.listMessages.address, body: request.body, scope: scope))
            if let origin = QueueURLs.origin(of: request) { reply = QueueURLs.rewrite(reply, origin: origin) }
            return OutgoingResponse(
                status: 200,
                headers: [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", requestId)],
                body: reply.utf8Bytes)
        }
    }

    // MARK: Authentication

    /// The caller's region and account, from the SigV4 credential scope; with credentials configured, the
    /// signature is checked too.
    func authenticate(_ request: IncomingRequest, wireProtocol: AWSProtocol) throws(AWSError) -> Scope {
        let isQuery = if case .query = wireProtocol { true } else { false }
        // A browser's request from another site: SDKs and the CLI send no Origin, and the console sends its own.
        // Without this, any web page could drive an unsigned local gateway with a plain form post (the query
        // protocol), which browsers send cross-site without asking first.
        if let origin = request.headers["origin"], !Self.isSameOrigin(origin, host: request.headers["host"]) {
            let message = "Requests from another site's page (Origin \(origin)) are refused."
            throw isQuery ? AWSError("AccessDenied", message) : AWSError("AccessDeniedException", message)
        }
        let authorization = request.headers["authorization"].flatMap(SigV4.parse)
        guard let credentials = configuration.credentials else {
            return scope(of: authorization)
        }
        guard let authorization else {
            throw isQuery
                ? AWSError("MissingAuthenticationToken", "Request is missing Authentication Token")
                : AWSError("MissingAuthenticationTokenException", "Missing Authentication Token")
        }
        guard let secret = credentials[authorization.accessKey] else {
            throw isQuery
                ? AWSError(
                    "InvalidClientTokenId", "The security token included in the request is invalid.")
                : AWSError("UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        let expected = SigV4.signature(
            secret: secret, authorization: authorization, method: request.method, path: request.path,
            query: request.query, headers: request.headers, body: request.body)
        guard expected == authorization.signature else {
            let message =
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            throw isQuery
                ? AWSError("SignatureDoesNotMatch", message) : AWSError("InvalidSignatureException", message)
        }
        if let signedAt = request.headers["x-amz-date"].flatMap(SigV4.time(ofAmzDate:)),
            abs(signedAt - clock()) > 15 * 60
        {
            let message =
                "Signature expired: \(request.headers["x-amz-date"] ?? "") is now earlier or later than 15 minutes from the server's time."
            throw isQuery ? AWSError("RequestExpired", message) : AWSError("InvalidSignatureException", message)
        }
        return scope(of: authorization)
    }

    /// Whether a browser's `Origin` (`http://host:port`) names the host the request was sent to.
    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let separator = origin.range(of: "://") else { return false }
        return origin[separator.upperBound...].lowercased() == host.lowercased()
    }

    /// LocalStack's rule, which test suites rely on: a 12-digit access key is the account; any other key is the
    /// default account. An unsigned request is in the default region and account.
    func scope(of authorization: SigV4.Authorization?) -> Scope {
        guard let authorization else {
            return Scope(region: configuration.defaultRegion, account: configuration.defaultAccount)
        }
        let key = authorization.accessKey
        let account =
            key.count == 12 && key.allSatisfy(\.isASCII) && key.allSatisfy(\.isNumber)
            ? key : configuration.defaultAccount
        let region = authorization.region.isEmpty ? configuration.defaultRegion : authorization.region
        return Scope(region: region, account: account)
    }

    // MARK: Forwarding

    func forward(_ address: OperationName, body: [UInt8], scope: Scope) async throws -> [UInt8] {
        try await directory.call(address, body: body, timeout: configuration.upstreamTimeout, scope: scope)
    }
}
