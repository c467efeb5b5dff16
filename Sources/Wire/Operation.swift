import JSON

/// The API an operation belongs to: one of the AWS services callbacksim stands in for, named as SigV4's
/// credential scope names it, or callbacksim's own control plane (health, fault injection, inspection), which
/// the AWS gateway never forwards to.
public enum API: String, Codable, Sendable, CaseIterable {
    case stepFunctions = "states"
    case sqs
    case sns
    case lambda
    case logs
    case control = "callbacksim"
}

/// An operation's address on the wire: its API and its action name (`sqs` `SendMessage`).
public struct OperationName: Hashable, Sendable, CustomStringConvertible {
    public var api: API
    public var name: String

    public init(_ api: API, _ name: String) {
        self.api = api
        self.name = name
    }

    public var description: String { "\(api.rawValue):\(name)" }
}

/// One operation, declared once: its API, its action name, and the shapes of its request and response. The same
/// declaration routes a request in the owning service (`WireRouter.on`), types a call in every client
/// (`WireClient.call`), and names what the gateway forwards.
public struct APIOperation<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    public let address: OperationName

    public init(_ api: API, _ name: String) {
        self.address = OperationName(api, name)
    }

    public var api: API { address.api }
    public var name: String { address.name }
}

/// The empty `{}` response of SendTask*, DeleteMessage and friends, and the empty request of List* calls.
public struct EmptyOutput: Codable, Sendable, Equatable {
    public init() {}
}
