import Foundation
import JSON
import Logging
import SeededRandom
import ServiceSupport
import StatesLanguage
import Synchronization
import Wire
import ZeroMQ

/// The integrations with the topology's other services, spoken to the queue broker and to Lambda function
/// processes over the wire protocol: the optimized `sqs:sendMessage`, `sns:publish` and `lambda:invoke`, and the
/// AWS SDK integrations `aws-sdk:sqs:*` and `aws-sdk:sns:*` for every operation the broker serves.
///
/// A service that does not answer is `unavailable` (the engine retries delivery, as AWS's own client would); a
/// service that answers with an error fails the task with AWS's error name for it: `SQS.…`, `SNS.…`, `Lambda.…`
/// for the optimized integrations, `Sqs.…Exception`, `Sns.…Exception` for the SDK ones.
public final class ServiceIntegrations: TaskDispatcher {
    let queueBroker: (any OperationCaller)?
    let functions: [String: any OperationCaller]
    /// Each function's Timeout (seconds): an invocation is awaited that long, plus `callTimeout` for the trip.
    let functionTimeouts: [String: Double]
    let callTimeout: Duration
    /// The request ids in the errors and metadata AWS's SDK integrations return.
    let random: any RandomSource
    /// What `learnBrokerOperations` waits on.
    let clock: any WallClock
    /// The operations the broker serves, learned from it (`sqs:SendMessage`); empty until it answered once.
    let brokerOperations = Mutex<Set<String>>([])

    public init(
        queueBroker: (any OperationCaller)?, functions: [String: any OperationCaller],
        functionTimeouts: [String: Double] = [:],
        callTimeout: Duration = .seconds(5), random: any RandomSource = SystemRandomSource(),
        clock: any WallClock = SystemWallClock()
    ) {
        self.random = random
        self.clock = clock
        self.queueBroker = queueBroker
        self.functions = functions
        self.functionTimeouts = functionTimeouts
        self.callTimeout = callTimeout
    }

    /// Clients for the given endpoints (`service@endpoint` for functions), made in `environment`.
    public static func connect(
        queueBroker: String?, functions: [String: String], functionTimeouts: [String: Double] = [:],
        in environment: ProcessEnvironment, clock: any WallClock
    ) async throws -> ServiceIntegrations {
        let broker: (any OperationCaller)? =
            if let queueBroker { try await environment.connect("queue-broker", queueBroker) } else { nil }
        var clients: [String: any OperationCaller] = [:]
        for (name, value) in functions.sorted(by: { $0.key < $1.key }) {
            clients[name] = try await environment.connect(value)
        }
        return ServiceIntegrations(
            queueBroker: broker, functions: clients, functionTimeouts: functionTimeouts, random: environment.random,
            clock: clock)
    }

    /// What CreateStateMachine accepts: an engine with no route to the broker refuses SQS and SNS tasks there
    /// and then, rather than retrying their calls for ever.
    public func supports(_ resource: TaskResource) -> Bool {
        switch (resource.resourceType, resource.action) {
        case ("lambda", "invoke"): return true
        case ("sqs", "sendMessage"), ("sns", "publish"): return queueBroker != nil
        case ("aws-sdk:sqs", let action), ("aws-sdk:sns", let action):
            let api = resource.resourceType == "aws-sdk:sqs" ? "sqs" : "sns"
            let known = brokerOperations.withLock { $0 }
            // Before the broker has told us what it serves, accept: the call itself will say.
            return queueBroker != nil && (known.isEmpty || known.contains("\(api):\(Self.operationName(action))"))
        default: return false
        }
    }

    static func operationName(_ action: String) -> String { action.prefix(1).uppercased() + action.dropFirst() }

    /// Asks the broker which operations it serves, for `supports`: every second until it answers, then every
    /// minute. Runs until cancelled (a service of the process's group must not return).
    public func learnBrokerOperations() async {
        while !Task.isCancelled {
            var learned = false
            if let queueBroker,
                let output = try? await queueBroker.call(Control.listOperations, EmptyOutput(), timeout: .seconds(2))
            {
                brokerOperations.withLock { $0 = Set(output.operations) }
                learned = true
            }
            try? await clock.sleep(for: .seconds(learned ? 60 : 1))
        }
    }

    public func dispatch(_ invocation: TaskInvocation, executionArn: String, idempotencyKey: String) async
        -> DispatchOutcome
    {
        let parameters = (try? JSONValue.parse(invocation.parameters)) ?? .null
        let resource = invocation.resource
        // The call is made in the execution's region and account, as the execution's role would make it.
        let scope = WorkflowEngine.scope(ofArn: executionArn)
        switch (resource.resourceType, resource.action) {
        case ("sqs", "sendMessage"):
            return await sendMessage(parameters, idempotencyKey: idempotencyKey, scope: scope)
        case ("sns", "publish"):
            return await publish(parameters, idempotencyKey: idempotencyKey, scope: scope)
        case ("aws-sdk:sqs", let action), ("aws-sdk:sns", let action):
            return await callBroker(
                resource.resourceType == "aws-sdk:sqs" ? .sqs : .sns, action: action, parameters: parameters,
                idempotencyKey: idempotencyKey, scope: scope)
        case ("lambda", "invoke") where resource.resource.hasPrefix("arn:"):
            // A bare function ARN as Resource: the parameters are the payload.
            return await invoke(
                functionName: resource.arn, payload: parameters, idempotencyKey: idempotencyKey, bare: true)
        case ("lambda", "invoke"):
            guard let name = parameters["FunctionName"]?.stringValue else {
                return .failed(error: "Lambda.InvalidParameterValueException", cause: "FunctionName is required")
            }
            return await invoke(
                functionName: name, payload: parameters["Payload"] ?? .null, idempotencyKey: idempotencyKey, bare: false
            )
        default:
            return .failed(
                error: "States.Runtime",
                cause: "callbacksim has no integration for \(resource.arn) yet")
        }
    }

    // MARK: SQS

    func sendMessage(_ parameters: JSONValue, idempotencyKey: String, scope: Scope?) async -> DispatchOutcome {
        guard let broker = queueBroker else { return .unavailable("no queue broker endpoint configured") }
        guard let queueUrl = parameters["QueueUrl"]?.stringValue, let body = parameters["MessageBody"] else {
            return .failed(error: "SQS.MissingParameterException", cause: "QueueUrl and MessageBody are required")
        }
        var request = JSONObject()
        request["QueueUrl"] = .string(queueUrl)
        // An object given as MessageBody is sent as its JSON text, as Step Functions does.
        request["MessageBody"] = .string(body.stringValue ?? body.serialized())
        for key in ["DelaySeconds", "MessageAttributes", "MessageDeduplicationId", "MessageGroupId"] {
            if let value = parameters[key] { request[key] = value }
        }
        return await call(
            broker, SQS.sendMessage.address, .object(request), service: "SQS", idempotencyKey: idempotencyKey,
            scope: scope)
    }

    // MARK: SNS

    func publish(_ parameters: JSONValue, idempotencyKey: String, scope: Scope?) async -> DispatchOutcome {
        guard let broker = queueBroker else { return .unavailable("no queue broker endpoint configured") }
        guard let message = parameters["Message"] else {
            return .failed(error: "SNS.InvalidParameterException", cause: "Message is required")
        }
        var request = JSONObject()
        for key in [
            "TopicArn", "TargetArn", "Subject", "MessageAttributes", "MessageGroupId", "MessageDeduplicationId",
        ] {
            if let value = parameters[key] { request[key] = value }
        }
        request["Message"] = .string(message.stringValue ?? message.serialized())
        return await call(
            broker, SNS.publish.address, .object(request), service: "SNS", idempotencyKey: idempotencyKey,
            scope: scope)
    }

    // MARK: AWS SDK integrations with SQS and SNS

    /// An SQS or SNS operation with the state's parameters (PascalCase, as both APIs already spell their members;
    /// SQS's two lower-case ones are mapped), its result as the API returns it.
    func callBroker(_ api: API, action: String, parameters: JSONValue, idempotencyKey: String, scope: Scope?) async
        -> DispatchOutcome
    {
        guard let broker = queueBroker else { return .unavailable("no queue broker endpoint configured") }
        var request = parameters.objectValue ?? JSONObject()
        if api == .sqs, let tags = request["Tags"], request["tags"] == nil {
            request["Tags"] = nil
            request["tags"] = tags
        }
        let prefix = api == .sqs ? "Sqs" : "Sns"
        do {
            let reply = try await broker.call(
                OperationName(api, Self.operationName(action)), body: JSONValue.object(request).utf8Bytes,
                timeout: callTimeout, idempotencyKey: idempotencyKey, scope: scope)
            guard case .object(var output) = try WireCoding.decodeJSON(reply) else { return .completed(.null) }
            if let urls = output["queueUrls"] {
                output["queueUrls"] = nil
                output["QueueUrls"] = urls
            }
            return .completed(.object(output))
        } catch let error as AWSError {
            let name = error.type.hasSuffix("Exception") ? error.type : error.type + "Exception"
            return .failed(error: "\(prefix).\(name)", cause: error.message)
        } catch {
            return .unavailable("\(error)")
        }
    }

    // MARK: Lambda

    func invoke(functionName: String, payload: JSONValue, idempotencyKey: String, bare: Bool) async -> DispatchOutcome {
        let name = Self.functionName(functionName)
        guard let client = functions[name] else {
            return .failed(
                error: "Lambda.ResourceNotFoundException",
                cause:
                    "Function not found: \(functionName) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: \(random.uuid()); Proxy: null)"
            )
        }
        let request = InvokeInput(FunctionName: name, Payload: payload)
        // The function's host ends an invocation at the function's Timeout with Lambda's timeout error, so the
        // answer comes within it; silence past it means the host is down, and the retry (same key) is safe:
        // every function host answers a repeated key with the first invocation's answer.
        let timeout = callTimeout + .seconds(functionTimeouts[name] ?? LambdaRuntime.defaultTimeout)
        let reply: InvokeOutput
        do {
            reply = try await client.call(Lambda.invoke, request, timeout: timeout, idempotencyKey: idempotencyKey)
        } catch let error as AWSError {
            let name = error.type.hasSuffix("Exception") ? error.type : error.type + "Exception"
            return .failed(error: "Lambda.\(name)", cause: error.message)
        } catch {
            return .unavailable("\(error)")
        }
        if reply.FunctionError != nil {
            // A function error fails the task with the function's own error type, as Step Functions reports it.
            let errorType = reply.Payload?["errorType"]?.stringValue ?? "Lambda.Unknown"
            return .failed(error: errorType, cause: reply.Payload?.serialized())
        }
        if bare { return .completed(reply.Payload ?? .null) }
        var output = JSONObject()
        output["ExecutedVersion"] = .string(reply.ExecutedVersion ?? "$LATEST")
        output["Payload"] = reply.Payload ?? .null
        output["SdkHttpMetadata"] = Self.httpMetadata(contentType: "application/json")
        output["SdkResponseMetadata"] = ["RequestId": .string(random.uuid())]
        output["StatusCode"] = .int(reply.StatusCode)
        return .completed(.object(output))
    }

    static func functionName(_ nameOrArn: String) -> String {
        let parts = nameOrArn.split(separator: ":")
        if parts.count >= 7, parts[0] == "arn", parts[5] == "function" { return String(parts[6]) }
        return nameOrArn
    }

    // MARK: Shared

    func call(
        _ client: any OperationCaller, _ op: OperationName, _ request: JSONValue, service: String,
        idempotencyKey: String,
        scope: Scope?
    ) async
        -> DispatchOutcome
    {
        let reply: [UInt8]
        do {
            reply = try await client.call(
                op, body: request.utf8Bytes, timeout: callTimeout, idempotencyKey: idempotencyKey, scope: scope)
        } catch let error as AWSError {
            let name = error.type.hasSuffix("Exception") ? error.type : error.type + "Exception"
            let cause =
                "\(error.message) (Service: Amazon\(service); Status Code: 400; Error Code: \(error.type); Request ID: \(random.uuid()); Proxy: null)"
            return .failed(error: "\(service).\(name)", cause: cause)
        } catch {
            return .unavailable("\(error)")
        }
        guard case .object(var output) = (try? JSONValue.parse(bytes: reply)) ?? .null else {
            return .unavailable("unreadable \(op) reply")
        }
        output["SdkHttpMetadata"] = Self.httpMetadata(contentType: "application/x-amz-json-1.0")
        output["SdkResponseMetadata"] = ["RequestId": .string(random.uuid())]
        return .completed(.object(output))
    }

    static func httpMetadata(contentType: String) -> JSONValue {
        [
            "AllHttpHeaders": ["Content-Type": [.string(contentType)]],
            "HttpHeaders": ["Content-Type": .string(contentType)],
            "HttpStatusCode": 200,
        ]
    }
}
