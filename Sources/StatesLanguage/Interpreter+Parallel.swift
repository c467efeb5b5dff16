import JSON

extension InterpreterRun {
    // MARK: Parallel

    /// Starts every branch on the state's effective input (InputPath, then Parameters; in JSONata, Arguments).
    mutating func startParallel(_ parallelState: StateDefinition, _ position: StatePosition) -> StateStep {
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        let context = self.context(
            stateName: parallelState.name, enteredTime: position.enteredTime, retryCount: nil, token: nil)
        let branchInput: JSONValue
        do throws(StatesError) {
            if let fields = parallelState.jsonata {
                let states = statesVariable(input: stateInput, context: context)
                branchInput =
                    try fields.arguments.map { template throws(StatesError) in
                        try evaluateJSONata(template, field: "Arguments", states: states, context: context)
                    } ?? stateInput
            } else {
                branchInput = try applyParameters(parallelState, stateInput, context: context).parameters
            }
        } catch {
            return stateFailed(parallelState, position, error)
        }
        record("ParallelStateStarted")
        var position = position
        var flows: [Flow] = []
        for branch in parallelState.branches {
            let progress = runFlow(branch, input: branchInput)
            flows.append(Flow(progress))
            if case .ended(.failed(let error)) = progress {
                position.activity = .parallel(branches: flows)
                return parallelFailed(parallelState, position, error)
            }
        }
        position.activity = .parallel(branches: flows)
        return parallelSettled(parallelState, position, flows)
    }

    /// An event for a task or timer in one of the branches.
    mutating func deliver(
        _ event: ExecutionEvent, toBranches flows: [Flow], of parallelState: StateDefinition,
        at position: StatePosition
    ) -> StateStep? {
        for index in flows.indices {
            guard let child = flows[index].position,
                let progress = deliver(event, toFlow: child, in: parallelState.branches[index])
            else { continue }
            var flows = flows
            flows[index] = Flow(progress)
            var position = position
            position.activity = .parallel(branches: flows)
            if case .ended(.failed(let error)) = progress {
                return parallelFailed(parallelState, position, error)
            }
            return parallelSettled(parallelState, position, flows)
        }
        return nil
    }

    /// Waits while a branch runs; once all succeeded, their outputs in branch order are the state's result.
    mutating func parallelSettled(_ parallelState: StateDefinition, _ position: StatePosition, _ flows: [Flow])
        -> StateStep
    {
        var outputs: [JSONValue] = []
        for flow in flows {
            guard case .succeeded(let output) = flow else { return .waiting(position) }
            outputs.append((try? JSONValue.parse(output)) ?? .null)
        }
        return completeState(parallelState, position, result: .array(outputs))
    }

    /// One branch failed: the others stop, and the branch's error is the state's, for its Retry and Catch.
    mutating func parallelFailed(_ parallelState: StateDefinition, _ position: StatePosition, _ error: StatesError)
        -> StateStep
    {
        if case .parallel(let flows) = position.activity {
            for (index, flow) in flows.enumerated() {
                if let child = flow.position { abort(child, in: parallelState.branches[index]) }
            }
        }
        // Only the last failure is the state's: one that a retrier retries is not recorded as such.
        if retrierIndex(parallelState, position, error: error) == nil { record("ParallelStateFailed") }
        var position = position
        position.activity = .backingOff(timerId: "")
        return handleStateError(parallelState, position, error: error)
    }
}

extension Flow {
    init(_ progress: FlowProgress) {
        switch progress {
        case .waiting(let position): self = .running(position)
        case .ended(.succeeded(let output)): self = .succeeded(output: output.serialized())
        case .ended(.failed(let error)): self = .failed(error: error.error, cause: error.cause)
        }
    }
}
