/// Anything that carries an operation's request to the process owning it and brings back the reply body: the
/// wire (`ServiceDirectory`) or the AWS gateway over HTTP (`GatewayClient`). What a client does with a topology
/// (the demo, a workload) is written once against this.
public protocol OperationCaller: Sendable {
    /// Throws `AWSError` for AWS's error reply, anything else when no reply came.
    func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8]
}

extension OperationCaller {
    /// Typed form: the operation's input in, its output out.
    public func call<Input, Output>(
        _ operation: APIOperation<Input, Output>, _ input: Input, timeout: Duration = .seconds(30)
    ) async throws -> Output {
        let reply = try await call(operation.address, body: WireCoding.encode(input), timeout: timeout)
        return try WireCoding.decode(Output.self, from: reply)
    }
}

extension API {
    /// How the AWS JSON protocol names this API: the `X-Amz-Target` prefix and the protocol version. Nil for the
    /// APIs that speak another protocol (SNS: query; Lambda: REST) and for the control plane.
    public var jsonTarget: (prefix: String, version: String)? {
        switch self {
        case .stepFunctions: ("AWSStepFunctions", "1.0")
        case .sqs: ("AmazonSQS", "1.0")
        case .logs: ("Logs_20140328", "1.1")
        case .sns, .lambda, .control: nil
        }
    }

    /// The API whose JSON target prefix this is.
    public init?(jsonTargetPrefix prefix: some StringProtocol) {
        guard let api = API.allCases.first(where: { $0.jsonTarget.map { $0.prefix == prefix } == true }) else {
            return nil
        }
        self = api
    }
}
