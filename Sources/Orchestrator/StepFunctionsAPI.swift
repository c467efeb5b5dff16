import ServiceLifecycle
import ServiceSupport
import Wire

extension WorkflowEngine {
    /// The engine as services of a process: its timer and outbox loops, and the Step Functions API on `server`.
    public func services(serving server: WireServer, as name: String, clock: any WallClock) -> [any Service] {
        let api = StepFunctionsAPI(engine: self)
        return [
            LoopService("timers") { await self.runTimers() },
            LoopService("outbox") { await self.runOutbox() },
            ServiceHost.api(name, server: server, clock: clock as? AdjustableWallClock) { request in
                try await api.handle(request)
            },
        ]
    }
}

/// Routes Step Functions API actions on the wire to the engine.
public struct StepFunctionsAPI: Sendable {
    let engine: WorkflowEngine

    public init(engine: WorkflowEngine) {
        self.engine = engine
    }

    /// Returns nil for an action this API does not serve, so a process can chain several APIs.
    public func handle(_ request: WireRequest) async throws -> [UInt8]? {
        typealias Op = StepFunctionsOperation
        switch request.op {
        case Op.createStateMachine:
            return WireCoding.encode(try await engine.createStateMachine(request.decode(CreateStateMachineInput.self)))
        case Op.describeStateMachine:
            return WireCoding.encode(
                try await engine.describeStateMachine(request.decode(DescribeStateMachineInput.self).stateMachineArn))
        case Op.listStateMachines:
            return WireCoding.encode(try await engine.listStateMachines())
        case Op.startExecution:
            return WireCoding.encode(try await engine.startExecution(request.decode(StartExecutionInput.self)))
        case Op.describeExecution:
            return WireCoding.encode(
                try await engine.describeExecution(request.decode(ExecutionArnInput.self).executionArn))
        case Op.listExecutions:
            return WireCoding.encode(try await engine.listExecutions(request.decode(ListExecutionsInput.self)))
        case Op.getExecutionHistory:
            return try await engine.getExecutionHistory(request.decode(GetExecutionHistoryInput.self))
        case Op.stopExecution:
            return WireCoding.encode(try await engine.stopExecution(request.decode(StopExecutionInput.self)))
        case Op.sendTaskSuccess:
            try await engine.sendTaskSuccess(request.decode(SendTaskSuccessInput.self))
            return WireCoding.encode(EmptyOutput())
        case Op.sendTaskFailure:
            try await engine.sendTaskFailure(request.decode(SendTaskFailureInput.self))
            return WireCoding.encode(EmptyOutput())
        case Op.sendTaskHeartbeat:
            try await engine.sendTaskHeartbeat(request.decode(SendTaskHeartbeatInput.self))
            return WireCoding.encode(EmptyOutput())
        default:
            return nil
        }
    }
}
