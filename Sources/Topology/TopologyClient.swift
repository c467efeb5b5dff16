import Foundation
import JSON
import Wire
import ZeroMQ

/// Calls into a running topology, using the endpoints `callbacksim up` recorded.
public final class TopologyClient: Sendable {
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

    /// Accepts a state machine's name or ARN.
    public func stateMachineArn(_ nameOrArn: String) async throws -> String {
        if nameOrArn.hasPrefix("arn:") { return nameOrArn }
        let list = try await call(.orchestrator, StepFunctions.listStateMachines, ListStateMachinesInput())
        guard let match = list.stateMachines.first(where: { $0.name == nameOrArn }) else {
            throw AWSError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(nameOrArn)'")
        }
        return match.stateMachineArn
    }

    public func history(_ executionArn: String) async throws -> [JSONValue] {
        let reply = try await call(
            .orchestrator, StepFunctions.getExecutionHistory,
            body: WireCoding.encode(GetExecutionHistoryInput(executionArn: executionArn)))
        return try WireCoding.decodeJSON(reply)["events"]?.arrayValue ?? []
    }

    /// Every notification the logger recorded, structured.
    public func notifications() async throws -> [NotificationRecord] {
        try await call(.notificationLogger, Control.listNotifications, EmptyOutput()).notifications
    }
}
