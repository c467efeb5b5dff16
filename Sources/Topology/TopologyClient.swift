import Foundation
import JSON
import Wire
import ZeroMQ

/// Calls into a running topology, using the endpoints `callbacksim up` recorded.
public final class TopologyClient: ServiceCaller {
    public let layout: TopologyLayout
    let context: Context

    public init(layout: TopologyLayout, context: Context) {
        self.layout = layout
        self.context = context
    }

    public static func connect(dataDirectory: String, context: Context) throws -> TopologyClient {
        guard let state = TopologyState.load(dataDirectory: dataDirectory) else {
            throw Launcher.LaunchError(message: "no topology in \(dataDirectory): run `callbacksim up` first")
        }
        return TopologyClient(layout: state.layout, context: context)
    }

    public func call(_ service: ServiceName, _ address: OperationName, body: [UInt8], timeout: Duration)
        async throws -> [UInt8]
    {
        let client = try await WireClient.connect(context: context, endpoint: layout.endpoint(service))
        defer { client.close() }
        return try await client.call(address, body: body, timeout: timeout)
    }

    public func call<Input, Output>(
        _ service: ServiceName, _ operation: APIOperation<Input, Output>, body: [UInt8],
        timeout: Duration = .seconds(10)
    ) async throws -> [UInt8] {
        let client = try await WireClient.connect(context: context, endpoint: layout.endpoint(service))
        defer { client.close() }
        return try await client.call(operation, body: body, timeout: timeout)
    }

    public func call<Input, Output>(
        _ service: ServiceName, _ operation: APIOperation<Input, Output>, _ input: Input,
        timeout: Duration = .seconds(10)
    ) async throws -> Output {
        let client = try await WireClient.connect(context: context, endpoint: layout.endpoint(service))
        defer { client.close() }
        return try await client.call(operation, input, timeout: timeout)
    }

    /// Accepts a state machine's name or ARN; a name is looked up wherever state machines are held.
    public func stateMachineArn(_ nameOrArn: String) async throws -> String {
        let directory = try await directory()
        defer { directory.close() }
        return try await directory.stateMachineArn(nameOrArn, timeout: .seconds(10))
    }

    /// A directory of the topology's processes: Step Functions calls reach whichever process holds the machine.
    public func directory() async throws -> ServiceDirectory {
        try await ServiceDirectory.connect(
            context: context,
            endpoints: .init(
                stepFunctions: [ServiceName.orchestrator, .apiSimulator].filter(layout.runs).map(layout.endpoint),
                queueBroker: layout.endpoint(.queueBroker), logs: layout.endpoint(.notificationLogger), functions: [:]))
    }

    /// A Step Functions call, to whichever process holds the state machine, execution or task it names.
    public func stepFunctions<Input, Output>(_ operation: APIOperation<Input, Output>, body: [UInt8]) async throws
        -> [UInt8]
    {
        let directory = try await directory()
        defer { directory.close() }
        return try await directory.call(operation.address, body: body, timeout: .seconds(10))
    }

    /// Every event of an execution's history, read a page at a time.
    public func history(_ executionArn: String) async throws -> [JSONValue] {
        let directory = try await directory()
        defer { directory.close() }
        return try await directory.executionHistory(executionArn, timeout: .seconds(10))
    }

    /// Every notification the logger recorded, structured.
    public func notifications() async throws -> [NotificationRecord] {
        try await call(.notificationLogger, Control.listNotifications, EmptyOutput()).notifications
    }
}
