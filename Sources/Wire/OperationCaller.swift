import JSON

/// Anything that carries an operation's request to the process owning it and brings back the reply body: the
/// wire (`ServiceDirectory`) or the AWS gateway over HTTP (`GatewayClient`). What a client does with a topology
/// (the demo, a workload) is written once against this.
///
/// The services reach each other through it too: a `WireClient` in a process, a simulated link in a simulation.
public protocol OperationCaller: Sendable {
    /// Throws `AWSError` for AWS's error reply, anything else when no reply came.
    func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8]
    /// With the caller's idempotency key (a repeat of the call gets the first call's reply, where the owner keeps
    /// it) and the region and account it is made in (nil: the owner's own).
    func call(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8]
}

extension OperationCaller {
    /// A caller with no way to pass a key or a scope (HTTP) makes the plain call.
    public func call(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        try await call(address, body: body, timeout: timeout)
    }

    /// Typed form: the operation's input in, its output out.
    public func call<Input, Output>(
        _ operation: APIOperation<Input, Output>, _ input: Input, timeout: Duration = .seconds(30),
        idempotencyKey: String? = nil
    ) async throws -> Output {
        let reply = try await call(
            operation.address, body: WireCoding.encode(input), timeout: timeout, idempotencyKey: idempotencyKey,
            scope: nil)
        return try WireCoding.decode(Output.self, from: reply)
    }
}

extension OperationCaller {
    /// Every event of an execution's history, read a page at a time.
    public func executionHistory(_ executionArn: String, timeout: Duration = .seconds(30)) async throws -> [JSONValue] {
        var events: [JSONValue] = []
        var token: String?
        repeat {
            let reply = try WireCoding.decodeJSON(
                try await call(
                    StepFunctions.getExecutionHistory.address,
                    body: WireCoding.encode(
                        GetExecutionHistoryInput(executionArn: executionArn, maxResults: 1000, nextToken: token)),
                    timeout: timeout))
            events += reply["events"]?.arrayValue ?? []
            token = reply["nextToken"]?.stringValue
        } while token != nil
        return events
    }

    /// The ARN of the state machine called `name`, listed a page at a time; nil when there is none. Read loosely
    /// (only names, ARNs and the page token), so another emulator's listing that leaves out a member still reads.
    public func stateMachineArn(named name: String, timeout: Duration = .seconds(30)) async throws -> String? {
        var token: String?
        repeat {
            let page = try WireCoding.decodeJSON(
                try await call(
                    StepFunctions.listStateMachines.address,
                    body: WireCoding.encode(ListStateMachinesInput(maxResults: 1000, nextToken: token)),
                    timeout: timeout))
            for machine in page["stateMachines"]?.arrayValue ?? [] where machine["name"]?.stringValue == name {
                return machine["stateMachineArn"]?.stringValue
            }
            token = page["nextToken"]?.stringValue
        } while token != nil
        return nil
    }

    /// `stateMachineArn(named:)` for a name, refused as AWS refuses an unknown machine; an ARN as it is.
    public func stateMachineArn(_ nameOrArn: String, timeout: Duration = .seconds(30)) async throws -> String {
        if nameOrArn.hasPrefix("arn:") { return nameOrArn }
        guard let arn = try await stateMachineArn(named: nameOrArn, timeout: timeout) else {
            throw AWSError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(nameOrArn)'")
        }
        return arn
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
