import JSON

/// A service's operations, each bound once to its handler: the request body is decoded into the operation's
/// input type, and the handler's output encoded, here and nowhere else.
///
/// Requests are matched on API and action name; a hand-made frame that names no API is matched on the name alone.
public struct WireRouter: Sendable {
    public typealias Handler = @Sendable (WireRequest) async throws -> [UInt8]

    private var routes: [OperationName: Handler] = [:]
    private var byName: [String: Handler] = [:]

    public init() {}

    /// Serves `operation` with a handler from its input to its output.
    public mutating func on<Input, Output>(
        _ operation: APIOperation<Input, Output>,
        _ handler: @escaping @Sendable (Input, WireRequest) async throws -> Output
    ) {
        add(operation.address) { request in
            WireCoding.encode(try await handler(try request.decode(Input.self), request))
        }
    }

    /// Serves `operation` with a handler that returns the encoded output itself: a reply kept as the bytes it was
    /// first sent as (an idempotent repeat), or stored JSON forwarded without decoding it (a history).
    public mutating func on<Input, Output>(
        _ operation: APIOperation<Input, Output>,
        encoded handler: @escaping @Sendable (Input, WireRequest) async throws -> [UInt8]
    ) {
        add(operation.address) { request in try await handler(try request.decode(Input.self), request) }
    }

    /// Adds every route of `other`, so one process can serve several APIs.
    public mutating func merge(_ other: WireRouter) {
        routes.merge(other.routes) { _, new in new }
        byName.merge(other.byName) { _, new in new }
    }

    private mutating func add(_ address: OperationName, _ handler: @escaping Handler) {
        routes[address] = handler
        byName[address.name] = handler
    }

    public var operations: Set<OperationName> { Set(routes.keys) }

    public func route(_ request: WireRequest) -> Handler? {
        if let api = request.header.api { return routes[OperationName(api, request.op)] }
        return byName[request.op]
    }

    /// Runs the request's handler; an operation this router does not serve is `UnknownOperationException`.
    public func handle(_ request: WireRequest) async throws -> [UInt8] {
        guard let handler = route(request) else { throw AWSError.unknownOperation(request.op) }
        return try await handler(request)
    }
}
