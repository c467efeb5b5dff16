import JSON
import Synchronization
import ZeroMQ

/// Where each API is served in a topology, and calls that reach the process owning an operation's resource: what
/// the AWS gateway forwards through and what the CLI calls through.
///
/// Step Functions is served by more than one process (the orchestrator, and the api-simulator, which runs the
/// external API's own state machine). A request that names a state machine, an execution or a task token goes to
/// the process holding it; ListStateMachines merges what they all hold; anything else goes to the first, where new
/// state machines are created.
public final class ServiceDirectory: OperationCaller {
    public struct Endpoints: Sendable {
        /// The processes serving Step Functions, `service@endpoint`; the first creates new state machines.
        public var stepFunctions: [String]
        /// SQS and SNS.
        public var queueBroker: String?
        /// CloudWatch Logs.
        public var logs: String?
        /// Lambda function name → `service@endpoint` of the process that runs it.
        public var functions: [String: String]

        public init(
            stepFunctions: [String], queueBroker: String?, logs: String?, functions: [String: String]
        ) {
            self.stepFunctions = stepFunctions
            self.queueBroker = queueBroker
            self.logs = logs
            self.functions = functions
        }
    }

    let stepFunctionsHosts: [WireClient]
    let queueBroker: WireClient?
    let logs: WireClient?
    public let functions: [String: WireClient]
    /// State machine name → index into `stepFunctionsHosts`, learned from ListStateMachines.
    private let machineHosts = Mutex<[String: Int]>([:])

    /// Clients for `endpoints`; their requests meet `faults`, the calling process's link faults (none: the CLI's).
    public static func connect(
        context: Context, endpoints: Endpoints, faults: (any OutboundInterceptor)? = nil
    ) async throws -> ServiceDirectory {
        func client(_ value: String) async throws -> WireClient {
            let (service, endpoint) = splitServiceEndpoint(value)
            return try await WireClient.connect(
                context: context, endpoint: endpoint, service: service, interceptor: faults)
        }
        var hosts: [WireClient] = []
        for value in endpoints.stepFunctions { hosts.append(try await client(value)) }
        var functions: [String: WireClient] = [:]
        for (name, value) in endpoints.functions { functions[name] = try await client(value) }
        return ServiceDirectory(
            stepFunctionsHosts: hosts,
            queueBroker: try await endpoints.queueBroker.asyncMap(client),
            logs: try await endpoints.logs.asyncMap(client),
            functions: functions)
    }

    init(
        stepFunctionsHosts: [WireClient], queueBroker: WireClient?, logs: WireClient?, functions: [String: WireClient]
    ) {
        self.stepFunctionsHosts = stepFunctionsHosts
        self.queueBroker = queueBroker
        self.logs = logs
        self.functions = functions
    }

    /// A directory that reaches nobody: every call is ServiceUnavailable (for tests of what routes before calling).
    public static func empty() -> ServiceDirectory {
        ServiceDirectory(stepFunctionsHosts: [], queueBroker: nil, logs: nil, functions: [:])
    }

    public func close() {
        for client in stepFunctionsHosts + functions.values + [queueBroker, logs].compactMap({ $0 }) {
            client.close()
        }
    }

    // MARK: Health

    /// Which processes answer a Ping within `timeout`, by the service name each endpoint was given
    /// (`orchestrator@tcp://…`), else by its endpoint.
    public func health(timeout: Duration = .seconds(1)) async -> [String: Bool] {
        var clients = stepFunctionsHosts + [queueBroker, logs].compactMap { $0 }
        for client in functions.values where !clients.contains(where: { $0 === client }) { clients.append(client) }
        return await withTaskGroup(of: (String, Bool).self) { group in
            for client in clients {
                group.addTask {
                    let answered = (try? await client.call(Control.ping, EmptyOutput(), timeout: timeout)) != nil
                    return (client.service ?? client.endpoint, answered)
                }
            }
            var result: [String: Bool] = [:]
            for await (name, answered) in group { result[name] = (result[name] ?? true) && answered }
            return result
        }
    }

    // MARK: Calls

    /// Sends one request to the process that owns it, made in `scope` (nil: the processes' own region and account).
    public func call(_ address: OperationName, body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        try await call(address, body: body, timeout: timeout, idempotencyKey: nil, scope: nil)
    }

    public func call(
        _ address: OperationName, body: [UInt8], timeout: Duration = .seconds(30), idempotencyKey: String? = nil,
        scope: Scope?
    ) async throws -> [UInt8] {
        switch address.api {
        case .sqs, .sns:
            return try await unavailableIfNil(queueBroker, address).call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        case .logs:
            return try await unavailableIfNil(logs, address).call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        case .lambda:
            let name = (try? JSONValue.parse(bytes: body))?["FunctionName"]?.stringValue ?? ""
            guard let client = functions[Self.functionName(name)] else {
                throw AWSError("ResourceNotFoundException", "Function not found: \(Self.functionArnOrName(name))")
            }
            return try await client.call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        case .stepFunctions:
            return try await callStepFunctions(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        case .control where address == Control.listMessages.address:
            return try await unavailableIfNil(queueBroker, address).call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        case .control:
            throw AWSError.unknownOperation(address.name)
        }
    }

    private func unavailableIfNil(_ client: WireClient?, _ address: OperationName) throws -> WireClient {
        guard let client else { throw AWSError("ServiceUnavailable", "No process serves \(address.api.rawValue)") }
        return client
    }

    /// A function's name from its name, its ARN, or its partial ARN (`account:function:name`).
    public static func functionName(_ nameOrArn: String) -> String {
        let parts = nameOrArn.split(separator: ":", omittingEmptySubsequences: false)
        if let index = parts.firstIndex(of: "function"), index + 1 < parts.count { return String(parts[index + 1]) }
        return nameOrArn
    }

    static func functionArnOrName(_ nameOrArn: String) -> String { nameOrArn }

    // MARK: Step Functions across hosts

    private func callStepFunctions(
        _ address: OperationName, body: [UInt8], timeout: Duration, idempotencyKey: String?, scope: Scope?
    ) async throws -> [UInt8] {
        guard let first = stepFunctionsHosts.first else {
            throw AWSError("ServiceUnavailable", "No process serves Step Functions")
        }
        if stepFunctionsHosts.count == 1 {
            return try await first.call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        }
        if address == StepFunctions.listStateMachines.address {
            return try await listStateMachinesOfEveryHost(body: body, scope: scope)
        }
        let request = (try? JSONValue.parse(bytes: body)) ?? .null
        if request["taskToken"]?.stringValue != nil {
            // A token names no state machine: the host that issued it is the one that knows it.
            var lastError: (any Error)?
            for host in stepFunctionsHosts {
                do {
                    return try await host.call(
                        address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
                } catch let error as AWSError where error.type == "TaskDoesNotExist" {
                    lastError = error
                }
            }
            throw lastError ?? AWSError("TaskDoesNotExist", "Task Does Not Exist")
        }
        let arn =
            ["stateMachineArn", "executionArn", "resourceArn", "mapRunArn"].lazy.compactMap {
                request[$0]?.stringValue
            }.first
        guard let arn, let machine = Self.stateMachineName(inArn: arn) else {
            return try await first.call(
                address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
        }
        let host = try await host(ofStateMachine: machine)
        return try await host.call(address, body: body, timeout: timeout, idempotencyKey: idempotencyKey, scope: scope)
    }

    /// The state machine an ARN names: a machine (optionally `:version` or `:alias`), an execution, an express
    /// execution or a map run (`machine/label`).
    public static func stateMachineName(inArn arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "states" else { return nil }
        switch parts[5] {
        case "stateMachine", "execution", "express", "mapRun":
            return String(parts[6].split(separator: "/").first ?? parts[6])
        default:
            return nil
        }
    }

    private func host(ofStateMachine name: String) async throws -> WireClient {
        if let index = machineHosts.withLock({ $0[name] }) { return stepFunctionsHosts[index] }
        var learned: [String: Int] = [:]
        for (index, host) in stepFunctionsHosts.enumerated() {
            for machine in (try? await allStateMachines(of: host)) ?? [] where learned[machine.name] == nil {
                learned[machine.name] = index
            }
        }
        machineHosts.withLock { $0.merge(learned) { _, new in new } }
        return stepFunctionsHosts[learned[name] ?? 0]
    }

    private func allStateMachines(of host: WireClient, scope: Scope? = nil) async throws -> [StateMachineListItem] {
        var items: [StateMachineListItem] = []
        var token: String?
        repeat {
            let reply = try await host.call(
                StepFunctions.listStateMachines.address,
                body: WireCoding.encode(ListStateMachinesInput(maxResults: 1000, nextToken: token)),
                timeout: .seconds(3), scope: scope)
            let page = try WireCoding.decode(ListStateMachinesOutput.self, from: reply)
            items += page.stateMachines
            token = page.nextToken
        } while token != nil
        return items
    }

    /// ListStateMachines over every host, sorted by name and paged here. A host that does not answer (being
    /// restarted) is left out of the list rather than failing it; if none answers, the call fails.
    private func listStateMachinesOfEveryHost(body: [UInt8], scope: Scope?) async throws -> [UInt8] {
        let input = try WireCoding.decode(ListStateMachinesInput.self, from: body)
        var items: [StateMachineListItem] = []
        var learned: [String: Int] = [:]
        var lastFailure: (any Error)?
        var answered = false
        for (index, host) in stepFunctionsHosts.enumerated() {
            do {
                for machine in try await allStateMachines(of: host, scope: scope) {
                    items.append(machine)
                    learned[machine.name] = learned[machine.name] ?? index
                }
                answered = true
            } catch let error as WireError {
                lastFailure = error
            }
        }
        if !answered, let lastFailure { throw lastFailure }
        machineHosts.withLock { $0.merge(learned) { _, new in new } }
        items.sort { $0.name < $1.name }
        let page = try PageToken.page(items, after: input.nextToken, limit: input.maxResults, key: \.name)
        return WireCoding.encode(ListStateMachinesOutput(stateMachines: page.items, nextToken: page.nextToken))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// `callback-sender@tcp://…` names the service behind an endpoint (for link faults); a bare endpoint names none.
public func splitServiceEndpoint(_ value: String) -> (service: String?, endpoint: String) {
    guard let at = value.firstIndex(of: "@"), !value[..<at].contains(":") else { return (nil, value) }
    return (String(value[..<at]), String(value[value.index(after: at)...]))
}
