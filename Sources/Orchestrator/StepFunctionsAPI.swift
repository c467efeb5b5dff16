import ServiceLifecycle
import ServiceSupport
import Wire

extension WorkflowEngine {
    /// The engine's loops: due timers, and the outbox's calls.
    public var loops: [LoopService] {
        [
            LoopService("timers") { await self.runTimers() },
            LoopService("outbox") { await self.runOutbox() },
        ]
    }

    /// The Step Functions API this engine serves.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(StepFunctions.createStateMachine) { input, request in
            try await self.createStateMachine(input, scope: request.header.scope)
        }
        router.on(StepFunctions.describeStateMachine) { input, _ in
            try await self.describeStateMachine(input.stateMachineArn)
        }
        router.on(StepFunctions.updateStateMachine) { input, _ in try await self.updateStateMachine(input) }
        router.on(StepFunctions.deleteStateMachine) { input, _ in
            try await self.deleteStateMachine(input.stateMachineArn)
            return EmptyOutput()
        }
        router.on(StepFunctions.describeStateMachineForExecution) { input, _ in
            try await self.describeStateMachineForExecution(input.executionArn)
        }
        router.on(StepFunctions.validateStateMachineDefinition) { input, _ in
            try self.validateStateMachineDefinition(input)
        }
        router.on(StepFunctions.testState) { input, _ in try await self.testState(input) }
        router.on(StepFunctions.tagResource) { input, _ in
            try await self.tagResource(input)
            return EmptyOutput()
        }
        router.on(StepFunctions.untagResource) { input, _ in
            try await self.untagResource(input)
            return EmptyOutput()
        }
        router.on(StepFunctions.listTagsForResource) { input, _ in
            try await self.listTagsForResource(input.resourceArn)
        }
        router.on(StepFunctions.startSyncExecution) { input, _ in try await self.startSyncExecution(input) }
        router.on(StepFunctions.redriveExecution) { input, _ in try await self.redriveExecution(input) }
        router.on(StepFunctions.listStateMachines) { input, request in
            try await self.listStateMachines(input, scope: request.header.scope)
        }
        router.on(StepFunctions.startExecution) { input, _ in try await self.startExecution(input) }
        router.on(StepFunctions.describeExecution) { input, _ in try await self.describeExecution(input.executionArn) }
        router.on(StepFunctions.listExecutions) { input, _ in try await self.listExecutions(input) }
        router.on(StepFunctions.getExecutionHistory, encoded: { input, _ in try await self.getExecutionHistory(input) })
        router.on(StepFunctions.stopExecution) { input, _ in try await self.stopExecution(input) }
        router.on(StepFunctions.sendTaskSuccess) { input, _ in
            try await self.sendTaskSuccess(input)
            return EmptyOutput()
        }
        router.on(StepFunctions.sendTaskFailure) { input, _ in
            try await self.sendTaskFailure(input)
            return EmptyOutput()
        }
        router.on(StepFunctions.sendTaskHeartbeat) { input, _ in
            try await self.sendTaskHeartbeat(input)
            return EmptyOutput()
        }
        return router
    }
}
