import JSON

extension InterpreterRun {
    // MARK: Map

    /// Selects the items, works out each iteration's input and the run's limits, and starts the first iterations.
    mutating func startMap(_ mapState: StateDefinition, _ position: StatePosition) -> StateStep {
        guard let settings = mapState.map else {
            return .ended(.failed(.runtime("The Map state '\(mapState.name)' has no ItemProcessor")))
        }
        let stateInput = (try? JSONValue.parse(position.stateInput)) ?? .null
        let context = self.context(
            stateName: mapState.name, enteredTime: position.enteredTime, retryCount: nil, token: nil)
        let effective: JSONValue
        let items: [JSONValue]
        let maxConcurrency: Int
        do throws(StatesError) {
            if let field = settings.unsupportedField {
                throw StatesError.runtime(
                    "callbacksim does not run a Map state's \(field): it reads or writes Amazon S3, which is not simulated"
                )
            }
            if let fields = mapState.jsonata {
                effective = stateInput
                let states = statesVariable(input: stateInput, context: context)
                maxConcurrency = Int(
                    try jsonataNumber(
                        fields.maxConcurrency, field: "MaxConcurrency", integer: true, states: states, context: context)
                        ?? 0)
                // A negative limit would start no iteration and leave the Map waiting for ever.
                guard maxConcurrency >= 0 else {
                    throw Self.queryError(
                        "The MaxConcurrency field must be a non-negative integer, but was \(maxConcurrency)",
                        location: "MaxConcurrency")
                }
                if let template = fields.items {
                    items =
                        try evaluateJSONata(
                            template, field: "Items", expecting: "array", states: states, context: context
                        )
                        .arrayValue ?? []
                } else {
                    guard case .array(let array) = stateInput else {
                        throw Self.queryError(
                            "Map state input must be an array but was: \(stateInput.serialized())", location: nil)
                    }
                    items = array
                }
            } else {
                effective = try applyInputPath(mapState.inputPath, stateInput, context: context)
                if let literal = settings.maxConcurrency {
                    maxConcurrency = literal
                } else {
                    maxConcurrency = try concurrencyLimit(at: settings.maxConcurrencyPath, effective, context)
                }
                let selected = try select(settings.itemsPath, effective, context: context, field: "ItemsPath")
                guard case .array(let array) = selected else {
                    throw StatesError.runtime("Map state input must be an array but was: \(selected.serialized())")
                }
                items = array
            }
        } catch {
            return stateFailed(mapState, position, error)
        }
        record("MapStateStarted", "mapStateStartedEventDetails", JSONObject([("length", .int(items.count))]))
        let run: MapRun
        do throws(StatesError) {
            let count: Int?
            let percentage: Double?
            if let fields = mapState.jsonata {
                let states = statesVariable(input: stateInput, context: context)
                count = try jsonataNumber(
                    fields.toleratedFailureCount, field: "ToleratedFailureCount", integer: true, states: states,
                    context: context
                ).map { Int($0) }
                percentage = try jsonataNumber(
                    fields.toleratedFailurePercentage, field: "ToleratedFailurePercentage", integer: false,
                    states: states, context: context)
                if let count, count < 0 {
                    throw Self.queryError(
                        "ToleratedFailureCount cannot be negative.", location: "ToleratedFailureCount")
                }
                if let percentage, !(0...100).contains(percentage) {
                    throw Self.queryError(
                        "ToleratedFailurePercentage must be between 0 and 100.", location: "ToleratedFailurePercentage")
                }
            } else {
                count = try toleratedFailureCount(settings, effective, context)
                percentage = try toleratedFailurePercentage(settings, effective, context)
            }
            var inputs = items
            if let selector = settings.itemSelector {
                inputs = []
                for (index, item) in items.enumerated() {
                    let itemContext = self.context(
                        stateName: mapState.name, enteredTime: position.enteredTime, retryCount: nil, token: nil,
                        mapItem: (index, item))
                    if mapState.jsonata != nil {
                        let states = statesVariable(input: stateInput, context: itemContext)
                        inputs.append(
                            try evaluateJSONata(selector, field: "ItemSelector", states: states, context: itemContext))
                    } else {
                        inputs.append(
                            try evaluate(selector, input: effective, context: itemContext, field: "ItemSelector"))
                    }
                }
            }
            if let size = settings.maxItemsPerBatch {
                var batchInput: JSONValue?
                if let template = settings.batchInput {
                    batchInput = try evaluate(template, input: effective, context: context, field: "BatchInput")
                }
                inputs = stride(from: 0, to: inputs.count, by: size).map { start in
                    var batch = JSONObject()
                    if let batchInput { batch["BatchInput"] = batchInput }
                    batch["Items"] = .array(Array(inputs[start..<min(start + size, inputs.count)]))
                    return .object(batch)
                }
            }
            run = MapRun(
                inputs: inputs.map { $0.serialized() }, iterations: [], maxConcurrency: maxConcurrency,
                toleratedFailureCount: count, toleratedFailurePercentage: percentage,
                mapRunArn: settings.mode == .distributed ? mapRunArn(mapState, settings) : nil)
        } catch {
            return stateFailed(mapState, position, error)
        }
        if let arn = run.mapRunArn {
            record("MapRunStarted", "mapRunStartedEventDetails", JSONObject([("mapRunArn", .string(arn))]))
        }
        return advanceMap(mapState, position, run)
    }

    /// Starts iterations while MaxConcurrency allows; once every one has ended, the results are the state's.
    mutating func advanceMap(_ mapState: StateDefinition, _ position: StatePosition, _ run: MapRun) -> StateStep {
        guard let settings = mapState.map else { return .waiting(position) }
        var run = run
        while run.iterations.count < run.inputs.count,
            run.maxConcurrency == 0 || run.runningCount < run.maxConcurrency
        {
            let index = run.iterations.count
            recordIteration(run, "MapIterationStarted", index, of: mapState)
            let input = (try? JSONValue.parse(run.inputs[index])) ?? .null
            if run.mapRunArn != nil { muted += 1 }
            let progress = runFlow(settings.processor, input: input)
            if run.mapRunArn != nil { muted -= 1 }
            run.iterations.append(Flow(progress))
            if let failure = iterationEnded(mapState, position, &run, index, progress) { return failure }
        }
        var position = position
        position.activity = .map(run)
        guard run.iterations.count == run.inputs.count, run.runningCount == 0 else { return .waiting(position) }
        if run.mapRunArn != nil { record("MapRunSucceeded") }
        record("MapStateSucceeded")
        let results = run.iterations.map { flow -> JSONValue in
            switch flow {
            case .succeeded(let output): return (try? JSONValue.parse(output)) ?? .null
            case .failed(let error, let cause): return errorOutput(StatesError(error, cause))
            case .running: return .null
            }
        }
        return completeState(mapState, position, result: .array(results))
    }

    /// An event for a task or timer in one of the iterations.
    mutating func deliver(
        _ event: ExecutionEvent, toIterations run: MapRun, of mapState: StateDefinition, at position: StatePosition
    ) -> StateStep? {
        guard let settings = mapState.map else { return nil }
        for index in run.iterations.indices {
            guard let child = run.iterations[index].position else { continue }
            if run.mapRunArn != nil { muted += 1 }
            let progress = deliver(event, toFlow: child, in: settings.processor)
            if run.mapRunArn != nil { muted -= 1 }
            guard let progress else { continue }
            var run = run
            run.iterations[index] = Flow(progress)
            if let failure = iterationEnded(mapState, position, &run, index, progress) { return failure }
            return advanceMap(mapState, position, run)
        }
        return nil
    }

    /// Records how an iteration ended; returns the Map state's failure once failures pass what it tolerates.
    mutating func iterationEnded(
        _ mapState: StateDefinition, _ position: StatePosition, _ run: inout MapRun, _ index: Int,
        _ progress: FlowProgress
    ) -> StateStep? {
        switch progress {
        case .waiting:
            return nil
        case .ended(.succeeded):
            recordIteration(run, "MapIterationSucceeded", index, of: mapState)
            return nil
        case .ended(.failed(let error)):
            recordIteration(run, "MapIterationFailed", index, of: mapState)
            run.failures += 1
            let hasThreshold = run.toleratedFailureCount != nil || run.toleratedFailurePercentage != nil
            var exceeded = !hasThreshold || ErrorName.isTerminal(error.error)
            if let count = run.toleratedFailureCount, run.failures > count { exceeded = true }
            if let percentage = run.toleratedFailurePercentage,
                Double(run.failures) * 100 > percentage * Double(run.inputs.count)
            {
                exceeded = true
            }
            guard exceeded else { return nil }
            // A Distributed Map (whose threshold is 0 by default) or one with a threshold fails as a whole; an
            // inline Map without one passes on the iteration's error.
            let mapError =
                (hasThreshold || run.mapRunArn != nil) && !ErrorName.isTerminal(error.error)
                ? StatesError(
                    ErrorName.exceedToleratedFailureThreshold,
                    "The specified tolerated failure threshold was exceeded")
                : error
            var position = position
            position.activity = .map(run)
            return mapFailed(mapState, position, run, mapError)
        }
    }

    mutating func mapFailed(
        _ mapState: StateDefinition, _ position: StatePosition, _ run: MapRun, _ error: StatesError
    ) -> StateStep {
        if let settings = mapState.map { abortIterations(run, of: mapState, settings) }
        if run.mapRunArn != nil { record("MapRunFailed") }
        // Only the last failure is the state's: one that a retrier retries is not recorded as such.
        if retrierIndex(mapState, position, error: error) == nil { record("MapStateFailed") }
        var position = position
        position.activity = .backingOff(timerId: "")
        return handleStateError(mapState, position, error: error)
    }

    mutating func abortIterations(_ run: MapRun, of mapState: StateDefinition, _ settings: MapSettings) {
        for (index, flow) in run.iterations.enumerated() {
            guard let child = flow.position else { continue }
            if run.mapRunArn != nil { muted += 1 }
            abort(child, in: settings.processor)
            if run.mapRunArn != nil { muted -= 1 }
            recordIteration(run, "MapIterationAborted", index, of: mapState)
        }
    }

    /// Inline iterations are in this history; a Distributed Map's are child executions with their own.
    mutating func recordIteration(_ run: MapRun, _ type: String, _ index: Int, of mapState: StateDefinition) {
        guard run.mapRunArn == nil else { return }
        let key = type.prefix(1).lowercased() + type.dropFirst() + "EventDetails"
        record(type, key, JSONObject([("index", .int(index)), ("name", .string(mapState.name))]))
    }

    mutating func mapRunArn(_ mapState: StateDefinition, _ settings: MapSettings) -> String {
        let machine = identity.stateMachineArn.replacingOccurrences(of: ":stateMachine:", with: ":mapRun:")
        return "\(machine)/\(settings.label ?? mapState.name):\(randomUUID(using: &random))"
    }

    // MARK: Map settings read from the input

    func pathValue(_ path: JSONPath, _ input: JSONValue, _ context: PathContext) throws(StatesError) -> JSONValue {
        do {
            return try path.evaluate(input: input, context: context)
        } catch {
            throw StatesError.runtime("Invalid path '\(path.text)' : No results for path: \(path.bracketNotation)")
        }
    }

    /// How AWS quotes a value it refused: a string as it is, anything else as JSON.
    func quoted(_ value: JSONValue) -> String {
        value.stringValue ?? value.serialized()
    }

    func concurrencyLimit(at path: JSONPath?, _ input: JSONValue, _ context: PathContext) throws(StatesError) -> Int {
        guard let path else { return 0 }
        let value = try pathValue(path, input, context)
        guard let number = value.integerValue ?? value.stringValue.flatMap({ Int($0) }), number >= 0 else {
            throw StatesError.runtime(
                "The MaxConcurrencyPath field refers to value \"\(quoted(value))\" which is not a valid integer: \(path.text)"
            )
        }
        return number
    }

    func toleratedFailureCount(_ settings: MapSettings, _ input: JSONValue, _ context: PathContext) throws(StatesError)
        -> Int?
    {
        if let count = settings.toleratedFailureCount { return count }
        guard let path = settings.toleratedFailureCountPath else { return nil }
        let value = try pathValue(path, input, context)
        guard let count = value.integerValue ?? value.stringValue.flatMap({ Int($0) }) else {
            throw StatesError.runtime(
                "The ToleratedFailureCountPath field refers to value \"\(quoted(value))\" which is not a valid integer: \(path.text)"
            )
        }
        guard count >= 0 else { throw StatesError.runtime("ToleratedFailureCount cannot be negative.") }
        return count
    }

    func toleratedFailurePercentage(_ settings: MapSettings, _ input: JSONValue, _ context: PathContext)
        throws(StatesError) -> Double?
    {
        if let percentage = settings.toleratedFailurePercentage { return percentage }
        guard let path = settings.toleratedFailurePercentagePath else { return nil }
        let value = try pathValue(path, input, context)
        guard let percentage = value.numberValue ?? value.stringValue.flatMap({ Double($0) }) else {
            throw StatesError.runtime(
                "The ToleratedFailurePercentagePath field refers to value \"\(quoted(value))\" which is not a valid float: \(path.text)"
            )
        }
        guard (0...100).contains(percentage) else {
            throw StatesError.runtime("ToleratedFailurePercentage must be between 0 and 100.")
        }
        return percentage
    }
}
