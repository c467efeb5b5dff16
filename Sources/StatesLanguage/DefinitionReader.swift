import JSON

/// Reads a definition into the model and collects every problem, with its location, as AWS's validator does.
struct DefinitionReader {
    var diagnostics: [Diagnostic] = []
    var warnings: [Diagnostic] = []
    /// The machine's QueryLanguage: every state's unless it names its own.
    var machineLanguage = QueryLanguage.jsonPath

    private mutating func fail(_ code: String, _ message: String, at location: String) {
        diagnostics.append(Diagnostic(code: code, message: message, location: location))
    }

    private static let commonFields: Set<String> = ["Type", "Comment", "QueryLanguage"]
    private static let fieldsByType: [StateType: Set<String>] = [
        .task: [
            "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource",
            "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch",
            "Credentials", "Arguments", "Output", "Assign",
        ],
        .pass: ["Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Output", "Assign"],
        .choice: ["Choices", "Default", "InputPath", "OutputPath", "Output", "Assign"],
        .wait: [
            "Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath",
            "Output", "Assign",
        ],
        .succeed: ["InputPath", "OutputPath", "Output"],
        .fail: ["Error", "ErrorPath", "Cause", "CausePath"],
        .parallel: [
            "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches",
            "Retry", "Catch", "Arguments", "Output", "Assign",
        ],
        .map: [
            "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Iterator",
            "ItemProcessor", "ItemsPath", "Items", "ItemSelector", "MaxConcurrency", "MaxConcurrencyPath",
            "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Retry",
            "Catch", "Arguments", "Output", "Assign",
        ],
    ]

    mutating func readMachine(_ json: JSONValue) -> StateMachineDefinition? {
        guard let root = json.objectValue else {
            fail("SCHEMA_VALIDATION_FAILED", "Definition must be a JSON object", at: "")
            return nil
        }
        for key in root.keys
        where !["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"].contains(key) {
            fail("SCHEMA_VALIDATION_FAILED", "These fields are not supported by Step Functions: [\(key)]", at: "")
        }
        let queryLanguage: QueryLanguage
        if let language = root["QueryLanguage"] {
            guard let name = language.stringValue, let parsed = QueryLanguage(rawValue: name) else {
                fail("SCHEMA_VALIDATION_FAILED", "QueryLanguage must be JSONPath or JSONata", at: "QueryLanguage")
                return nil
            }
            queryLanguage = parsed
        } else {
            queryLanguage = .jsonPath
        }
        machineLanguage = queryLanguage
        guard let graph = readStartAndStates(root, prefix: "") else { return nil }
        var timeout: Int?
        if let value = root["TimeoutSeconds"] {
            timeout = positiveInteger(value, at: "TimeoutSeconds")
        }
        return StateMachineDefinition(
            comment: root["Comment"]?.stringValue,
            graph: graph,
            timeoutSeconds: timeout,
            queryLanguage: queryLanguage,
            source: json
        )
    }

    /// Reads a Parallel branch or a Map's ItemProcessor: a `StartAt` and `States` of its own.
    private mutating func readGraph(_ json: JSONValue, at location: String, isProcessor: Bool) -> StateGraph? {
        guard let object = json.objectValue else {
            fail("SCHEMA_VALIDATION_FAILED", "Must be an object with StartAt and States", at: location)
            return nil
        }
        let allowed: Set<String> =
            isProcessor ? ["StartAt", "States", "Comment", "ProcessorConfig"] : ["StartAt", "States", "Comment"]
        for key in object.keys where !allowed.contains(key) {
            fail("SCHEMA_VALIDATION_FAILED", "These fields are not supported by Step Functions: [\(key)]", at: location)
        }
        return readStartAndStates(object, prefix: location + "/")
    }

    /// `StartAt` and `States` of the machine (prefix "") or of a branch or processor ("States/P/Branches/0/").
    private mutating func readStartAndStates(_ object: JSONObject, prefix: String) -> StateGraph? {
        guard let startAt = object["StartAt"]?.stringValue else {
            fail("SCHEMA_VALIDATION_FAILED", "The field \"StartAt\" is required", at: "\(prefix)StartAt")
            return nil
        }
        guard let statesObject = object["States"]?.objectValue, !statesObject.isEmpty else {
            fail(
                "SCHEMA_VALIDATION_FAILED", "The field \"States\" is required and must be a non-empty object",
                at: "\(prefix)States")
            return nil
        }
        let states = readStates(
            statesObject, startAt: startAt, at: "\(prefix)States", startAtLocation: "\(prefix)StartAt")
        return StateGraph(startAt: startAt, states: states)
    }

    /// Reads one set of states (the machine's, or a Parallel branch's) and checks its graph.
    mutating func readStates(
        _ object: JSONObject, startAt: String, at location: String, startAtLocation: String
    ) -> [String: StateDefinition] {
        var states: [String: StateDefinition] = [:]
        for (name, value) in object {
            if name.count > 80 {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "State name \"\(name)\" is longer than 80 characters",
                    at: "\(location)/\(name)")
            }
            if let state = readState(name: name, value, at: "\(location)/\(name)") {
                states[name] = state
            }
        }
        guard diagnostics.isEmpty else { return states }
        if states[startAt] == nil {
            fail("MISSING_TRANSITION_TARGET", "Missing 'Next' target: \(startAt)", at: startAtLocation)
        }
        for (name, state) in states {
            for (target, field) in state.transitions where states[target] == nil {
                fail(
                    "MISSING_TRANSITION_TARGET", "Missing 'Next' target: \(target)", at: "\(location)/\(name)/\(field)")
            }
        }
        guard diagnostics.isEmpty else { return states }
        var reachable: Set<String> = [startAt]
        var frontier = [startAt]
        while let name = frontier.popLast() {
            for (target, _) in states[name]?.transitions ?? [] where reachable.insert(target).inserted {
                frontier.append(target)
            }
        }
        for name in object.keys where !reachable.contains(name) {
            fail("UNREACHABLE_STATE", "State \"\(name)\" is not reachable.", at: "\(location)/\(name)")
        }
        if !states.values.contains(where: \.isTerminal) {
            fail("NO_TERMINAL_STATE", "No terminal state found in machine.", at: location)
        }
        return states
    }

    private mutating func readState(name: String, _ json: JSONValue, at location: String) -> StateDefinition? {
        guard var object = json.objectValue else {
            fail("SCHEMA_VALIDATION_FAILED", "State must be an object", at: location)
            return nil
        }
        guard let typeName = object["Type"]?.stringValue else {
            fail("SCHEMA_VALIDATION_FAILED", "The field \"Type\" is required", at: "\(location)/Type")
            return nil
        }
        guard let type = StateType(rawValue: typeName) else {
            fail("SCHEMA_VALIDATION_FAILED", "\"\(typeName)\" is not a valid state type", at: "\(location)/Type")
            return nil
        }
        let allowed = Self.commonFields.union(Self.fieldsByType[type] ?? [])
        for key in object.keys where !allowed.contains(key) {
            fail(
                "SCHEMA_VALIDATION_FAILED", "The field \"\(key)\" is not supported for state type \"\(typeName)\"",
                at: "\(location)/\(key)")
        }
        var language = machineLanguage
        if let value = object["QueryLanguage"] {
            guard let parsed = value.stringValue.flatMap(QueryLanguage.init(rawValue:)) else {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "QueryLanguage must be JSONPath or JSONata",
                    at: "\(location)/QueryLanguage")
                return nil
            }
            if machineLanguage == .jsonata && parsed == .jsonPath {
                fail(
                    "SCHEMA_VALIDATION_FAILED",
                    "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata",
                    at: "\(location)/QueryLanguage")
            }
            language = parsed
        }
        let jsonata = language == .jsonata ? readJSONataFields(object, type: type, at: location) : nil
        if language == .jsonPath {
            for key in ["Arguments", "Output", "Items"] where object[key] != nil {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "The field \"\(key)\" is only supported in JSONata states",
                    at: "\(location)/\(key)")
            }
        }
        // In a JSONata state these may be expressions: they are read (and checked) when the state runs.
        let written = object
        if jsonata != nil {
            for key in [
                "TimeoutSeconds", "HeartbeatSeconds", "Seconds", "Timestamp", "MaxConcurrency", "ToleratedFailureCount",
                "ToleratedFailurePercentage",
            ] where object[key]?.stringValue.flatMap(JSONataExpression.embedded(in:)) != nil {
                object[key] = nil
            }
        }
        let next = string(object, "Next", at: location)
        let end = object["End"]?.boolValue ?? false
        if [.task, .pass, .wait, .parallel, .map].contains(type) {
            if next == nil && !end {
                fail("SCHEMA_VALIDATION_FAILED", "This state must have either \"Next\" or \"End\": true", at: location)
            }
            if next != nil && end {
                fail("SCHEMA_VALIDATION_FAILED", "A state cannot have both \"Next\" and \"End\": true", at: location)
            }
        }

        if type == .task, object["Credentials"] != nil {
            warnings.append(
                Diagnostic(
                    code: "IGNORED_FIELD",
                    message:
                        "callbacksim accepts Credentials and ignores them: tasks run with the topology's own identity, no role is assumed",
                    location: "\(location)/Credentials", severity: "WARNING"))
        }
        var resource: TaskResource?
        if type == .task {
            if let arn = string(object, "Resource", at: location) {
                resource = TaskResource(arn: arn)
                if resource == nil {
                    fail(
                        "INVALID_RESOURCE", "Resource \"\(arn)\" is not a valid resource ARN",
                        at: "\(location)/Resource")
                }
            } else {
                fail("SCHEMA_VALIDATION_FAILED", "The field \"Resource\" is required", at: "\(location)/Resource")
            }
        }
        let timeoutSeconds = object["TimeoutSeconds"].flatMap { positiveInteger($0, at: "\(location)/TimeoutSeconds") }
        let heartbeatSeconds = object["HeartbeatSeconds"].flatMap {
            positiveInteger($0, at: "\(location)/HeartbeatSeconds")
        }
        if let timeoutSeconds, let heartbeatSeconds, heartbeatSeconds >= timeoutSeconds {
            fail(
                "SCHEMA_VALIDATION_FAILED", "HeartbeatSeconds must be smaller than TimeoutSeconds",
                at: "\(location)/HeartbeatSeconds")
        }
        exclusive(object, "TimeoutSeconds", "TimeoutSecondsPath", at: location)
        exclusive(object, "HeartbeatSeconds", "HeartbeatSecondsPath", at: location)

        var choices: [ChoiceRule] = []
        if type == .choice {
            if let array = object["Choices"]?.arrayValue, !array.isEmpty {
                for (index, rule) in array.enumerated() {
                    do {
                        choices.append(try ChoiceRule.parse(rule, topLevel: true, jsonata: jsonata != nil))
                    } catch {
                        fail("SCHEMA_VALIDATION_FAILED", error.message, at: "\(location)/Choices/\(index)")
                    }
                }
            } else {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "The field \"Choices\" must be a non-empty array",
                    at: "\(location)/Choices")
            }
        }
        if type == .wait {
            let count = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"].filter { written[$0] != nil }.count
            if count != 1 {
                fail(
                    "SCHEMA_VALIDATION_FAILED",
                    "A Wait state must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath", at: location
                )
            }
        }
        var branches: [StateGraph] = []
        if type == .parallel {
            if let array = object["Branches"]?.arrayValue, !array.isEmpty {
                for (index, branch) in array.enumerated() {
                    if let graph = readGraph(branch, at: "\(location)/Branches/\(index)", isProcessor: false) {
                        branches.append(graph)
                    }
                }
            } else {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "The field \"Branches\" must be a non-empty array",
                    at: "\(location)/Branches")
            }
        }
        let map = type == .map ? readMapSettings(object, at: location) : nil

        return StateDefinition(
            name: name,
            type: type,
            next: next,
            end: end,
            inputPath: pathSetting(object, "InputPath", at: location),
            outputPath: pathSetting(object, "OutputPath", at: location),
            resultPath: pathSetting(object, "ResultPath", at: location),
            parameters: object["Parameters"],
            resultSelector: object["ResultSelector"],
            result: object["Result"],
            assign: readAssign(object["Assign"], at: "\(location)/Assign"),
            resource: resource,
            timeoutSeconds: timeoutSeconds,
            timeoutSecondsPath: referencePath(object, "TimeoutSecondsPath", at: location),
            heartbeatSeconds: heartbeatSeconds,
            heartbeatSecondsPath: referencePath(object, "HeartbeatSecondsPath", at: location),
            retry: readRetriers(object["Retry"], at: "\(location)/Retry"),
            catchers: readCatchers(object["Catch"], at: "\(location)/Catch"),
            choices: choices,
            defaultNext: string(object, "Default", at: location),
            seconds: object["Seconds"].flatMap { nonNegativeInteger($0, at: "\(location)/Seconds") },
            secondsPath: referencePath(object, "SecondsPath", at: location),
            timestamp: string(object, "Timestamp", at: location),
            timestampPath: referencePath(object, "TimestampPath", at: location),
            error: string(object, "Error", at: location),
            errorPath: pathOrIntrinsic(object, "ErrorPath", at: location),
            cause: string(object, "Cause", at: location),
            causePath: pathOrIntrinsic(object, "CausePath", at: location),
            branches: branches,
            map: map,
            jsonata: jsonata
        )
    }

    private mutating func readMapSettings(_ object: JSONObject, at location: String) -> MapSettings? {
        let processorField = object["ItemProcessor"] != nil ? "ItemProcessor" : "Iterator"
        exclusive(object, "ItemProcessor", "Iterator", at: location)
        exclusive(object, "ItemSelector", "Parameters", at: location)
        exclusive(object, "MaxConcurrency", "MaxConcurrencyPath", at: location)
        exclusive(object, "ToleratedFailureCount", "ToleratedFailureCountPath", at: location)
        exclusive(object, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", at: location)
        guard let processorJSON = object[processorField] else {
            fail("SCHEMA_VALIDATION_FAILED", "The field \"ItemProcessor\" is required", at: "\(location)/ItemProcessor")
            return nil
        }
        var mode = MapSettings.Mode.inline
        if let config = processorJSON["ProcessorConfig"] {
            if let name = config["Mode"] {
                guard let parsed = name.stringValue.flatMap(MapSettings.Mode.init(rawValue:)) else {
                    fail(
                        "SCHEMA_VALIDATION_FAILED", "Mode must be INLINE or DISTRIBUTED",
                        at: "\(location)/\(processorField)/ProcessorConfig/Mode")
                    return nil
                }
                mode = parsed
            }
        }
        guard let processor = readGraph(processorJSON, at: "\(location)/\(processorField)", isProcessor: true) else {
            return nil
        }
        var percentage: Double?
        if let value = object["ToleratedFailurePercentage"] {
            if let number = value.numberValue, number >= 0, number <= 100 {
                percentage = number
            } else {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "ToleratedFailurePercentage must be a number between 0 and 100",
                    at: "\(location)/ToleratedFailurePercentage")
            }
        }
        let batcher = object["ItemBatcher"]
        var maxItemsPerBatch: Int?
        if let batcher {
            if let value = batcher["MaxItemsPerBatch"] {
                maxItemsPerBatch = positiveInteger(value, at: "\(location)/ItemBatcher/MaxItemsPerBatch")
            } else {
                fail(
                    "SCHEMA_VALIDATION_FAILED", "callbacksim's ItemBatcher needs MaxItemsPerBatch",
                    at: "\(location)/ItemBatcher")
            }
        }
        return MapSettings(
            processor: processor,
            mode: mode,
            itemsPath: pathSetting(object, "ItemsPath", at: location),
            itemSelector: object["ItemSelector"] ?? object["Parameters"],
            maxConcurrency: object["MaxConcurrency"].flatMap {
                nonNegativeInteger($0, at: "\(location)/MaxConcurrency")
            },
            maxConcurrencyPath: referencePath(object, "MaxConcurrencyPath", at: location),
            toleratedFailureCount: object["ToleratedFailureCount"].flatMap {
                nonNegativeInteger($0, at: "\(location)/ToleratedFailureCount")
            },
            toleratedFailureCountPath: referencePath(object, "ToleratedFailureCountPath", at: location),
            toleratedFailurePercentage: percentage,
            toleratedFailurePercentagePath: referencePath(object, "ToleratedFailurePercentagePath", at: location),
            label: string(object, "Label", at: location),
            maxItemsPerBatch: maxItemsPerBatch,
            batchInput: batcher?["BatchInput"],
            unsupportedField: ["ItemReader", "ResultWriter"].first { object[$0] != nil }
        )
    }

    private mutating func readRetriers(_ json: JSONValue?, at location: String) -> [Retrier] {
        guard let json else { return [] }
        guard let array = json.arrayValue else {
            fail("SCHEMA_VALIDATION_FAILED", "Retry must be an array", at: location)
            return []
        }
        var retriers: [Retrier] = []
        for (index, element) in array.enumerated() {
            let here = "\(location)/\(index)"
            guard let object = element.objectValue else {
                fail("SCHEMA_VALIDATION_FAILED", "A retrier must be an object", at: here)
                continue
            }
            let errors = errorEquals(object, at: here, isLast: index == array.count - 1)
            let interval = object["IntervalSeconds"].map { positiveNumber($0, at: "\(here)/IntervalSeconds") } ?? 1
            let attempts = object["MaxAttempts"].map { nonNegativeInteger($0, at: "\(here)/MaxAttempts") ?? 3 } ?? 3
            let backoff = object["BackoffRate"].map { positiveNumber($0, at: "\(here)/BackoffRate") } ?? 2
            if backoff < 1 {
                fail("SCHEMA_VALIDATION_FAILED", "BackoffRate must be at least 1.0", at: "\(here)/BackoffRate")
            }
            let maxDelay = object["MaxDelaySeconds"].map { positiveNumber($0, at: "\(here)/MaxDelaySeconds") }
            var jitterFull = false
            if let jitter = object["JitterStrategy"] {
                switch jitter.stringValue {
                case "FULL": jitterFull = true
                case "NONE": jitterFull = false
                default:
                    fail(
                        "SCHEMA_VALIDATION_FAILED", "JitterStrategy must be FULL or NONE", at: "\(here)/JitterStrategy")
                }
            }
            retriers.append(
                Retrier(
                    errorEquals: errors, intervalSeconds: interval, maxAttempts: attempts, backoffRate: backoff,
                    maxDelaySeconds: maxDelay, jitterFull: jitterFull))
        }
        return retriers
    }

    private mutating func readCatchers(_ json: JSONValue?, at location: String) -> [Catcher] {
        guard let json else { return [] }
        guard let array = json.arrayValue else {
            fail("SCHEMA_VALIDATION_FAILED", "Catch must be an array", at: location)
            return []
        }
        var catchers: [Catcher] = []
        for (index, element) in array.enumerated() {
            let here = "\(location)/\(index)"
            guard let object = element.objectValue else {
                fail("SCHEMA_VALIDATION_FAILED", "A catcher must be an object", at: here)
                continue
            }
            let errors = errorEquals(object, at: here, isLast: index == array.count - 1)
            guard let next = object["Next"]?.stringValue else {
                fail("SCHEMA_VALIDATION_FAILED", "The field \"Next\" is required", at: "\(here)/Next")
                continue
            }
            checkExpressions(object["Output"], at: "\(here)/Output")
            catchers.append(
                Catcher(
                    errorEquals: errors, next: next, resultPath: pathSetting(object, "ResultPath", at: here),
                    assign: readAssign(object["Assign"], at: "\(here)/Assign"), output: object["Output"]))
        }
        return catchers
    }

    static let jsonPathOnlyFields: Set<String> = [
        "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result", "ItemsPath",
        "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
        "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "Iterator",
    ]

    /// A JSONata state's fields that hold templates or expressions; each `{% … %}` in them must parse.
    private mutating func readJSONataFields(_ object: JSONObject, type: StateType, at location: String)
        -> JSONataFields
    {
        for key in object.keys where Self.jsonPathOnlyFields.contains(key) {
            fail(
                "SCHEMA_VALIDATION_FAILED",
                "The field \"\(key)\" is not supported in JSONata states; use Arguments, Output and Assign",
                at: "\(location)/\(key)")
        }
        for key in [
            "Arguments", "Output", "Assign", "Items", "ItemSelector", "TimeoutSeconds", "HeartbeatSeconds", "Seconds",
            "Timestamp", "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "Error", "Cause",
        ] {
            checkExpressions(object[key], at: "\(location)/\(key)")
        }
        for (index, rule) in (object["Choices"]?.arrayValue ?? []).enumerated() {
            for key in ["Condition", "Output", "Assign"] {
                checkExpressions(rule[key], at: "\(location)/Choices/\(index)/\(key)")
            }
        }
        return JSONataFields(
            arguments: object["Arguments"], output: object["Output"], items: object["Items"],
            timeoutSeconds: object["TimeoutSeconds"], heartbeatSeconds: object["HeartbeatSeconds"],
            seconds: object["Seconds"], timestamp: object["Timestamp"], maxConcurrency: object["MaxConcurrency"],
            toleratedFailureCount: object["ToleratedFailureCount"],
            toleratedFailurePercentage: object["ToleratedFailurePercentage"], error: object["Error"],
            cause: object["Cause"])
    }

    /// Every `{% … %}` string inside `value` must be a JSONata expression that parses.
    private mutating func checkExpressions(_ value: JSONValue?, at location: String) {
        switch value {
        case .string(let text)?:
            guard let expression = JSONataExpression.embedded(in: text) else { return }
            do {
                _ = try JSONataExpression(expression)
            } catch {
                fail("INVALID_JSONATA", "Invalid JSONata expression '\(expression)': \(error)", at: location)
            }
        case .array(let items)?:
            for (index, item) in items.enumerated() { checkExpressions(item, at: "\(location)/\(index)") }
        case .object(let object)?:
            for (key, item) in object { checkExpressions(item, at: "\(location)/\(key)") }
        default:
            break
        }
    }

    /// `Assign`: an object whose keys name variables (`name`, or `name.$` for a path or intrinsic function).
    private mutating func readAssign(_ json: JSONValue?, at location: String) -> JSONValue? {
        guard let json else { return nil }
        guard let object = json.objectValue else {
            fail("SCHEMA_VALIDATION_FAILED", "Assign must be an object", at: location)
            return nil
        }
        for key in object.keys {
            let name = key.hasSuffix(".$") ? String(key.dropLast(2)) : key
            let scalars = Array(name.unicodeScalars)
            let valid =
                !scalars.isEmpty && scalars.count <= 80
                && (scalars[0] == "_" || scalars[0].properties.isAlphabetic)
                && scalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            if !valid || name == "states" {
                fail(
                    "SCHEMA_VALIDATION_FAILED",
                    "\"\(name)\" is not a valid variable name: a letter or '_', then letters, digits or '_' (at most 80; 'states' is reserved)",
                    at: "\(location)/\(key)")
            }
        }
        return json
    }

    private mutating func errorEquals(_ object: JSONObject, at location: String, isLast: Bool) -> [String] {
        guard let array = object["ErrorEquals"]?.arrayValue, !array.isEmpty else {
            fail(
                "SCHEMA_VALIDATION_FAILED", "The field \"ErrorEquals\" must be a non-empty array",
                at: "\(location)/ErrorEquals")
            return []
        }
        let names = array.compactMap(\.stringValue)
        if names.contains(ErrorName.all) && (names.count > 1 || !isLast) {
            fail(
                "SCHEMA_VALIDATION_FAILED", "States.ALL must appear alone and in the last retrier or catcher",
                at: "\(location)/ErrorEquals")
        }
        return names
    }

    private mutating func string(_ object: JSONObject, _ field: String, at location: String) -> String? {
        guard let value = object[field] else { return nil }
        guard let string = value.stringValue else {
            fail("SCHEMA_VALIDATION_FAILED", "The field \"\(field)\" must be a string", at: "\(location)/\(field)")
            return nil
        }
        return string
    }

    private mutating func pathSetting(_ object: JSONObject, _ field: String, at location: String) -> PathSetting {
        guard let value = object[field] else { return .absent }
        if value.isNull { return .null }
        guard let text = value.stringValue else {
            fail(
                "SCHEMA_VALIDATION_FAILED", "The field \"\(field)\" must be a string or null",
                at: "\(location)/\(field)")
            return .absent
        }
        do {
            let path = try JSONPath(text)
            if field == "ResultPath", !path.isDefinite || path.root != .input {
                fail(
                    "INVALID_JSON_PATH", "The value for the field '\(field)' must be a valid reference path: \(text)",
                    at: "\(location)/\(field)")
            }
            return .path(path)
        } catch {
            fail(
                "INVALID_JSON_PATH", "The value for the field '\(field)' must be a valid JSONPath: \(text)",
                at: "\(location)/\(field)")
            return .absent
        }
    }

    private mutating func referencePath(_ object: JSONObject, _ field: String, at location: String) -> JSONPath? {
        guard let text = string(object, field, at: location) else { return nil }
        do {
            let path = try JSONPath(text)
            if !path.isDefinite {
                fail(
                    "INVALID_JSON_PATH", "The value for the field '\(field)' must be a valid reference path: \(text)",
                    at: "\(location)/\(field)")
            }
            return path
        } catch {
            fail(
                "INVALID_JSON_PATH", "The value for the field '\(field)' must be a valid JSONPath: \(text)",
                at: "\(location)/\(field)")
            return nil
        }
    }

    /// ErrorPath and CausePath take a reference path or an intrinsic function such as `States.Format(…)`.
    private mutating func pathOrIntrinsic(_ object: JSONObject, _ field: String, at location: String) -> String? {
        guard let text = string(object, field, at: location) else { return nil }
        if text.hasPrefix("States.") {
            var parser = IntrinsicParser(text: Array(text.unicodeScalars))
            do {
                _ = try parser.parseCall()
            } catch {
                fail(
                    "INVALID_JSON_PATH",
                    "The value for the field '\(field)' is not a valid intrinsic function: \(error.reason)",
                    at: "\(location)/\(field)")
            }
            return text
        }
        return referencePath(object, field, at: location).map(\.text)
    }

    private mutating func exclusive(_ object: JSONObject, _ a: String, _ b: String, at location: String) {
        if object[a] != nil && object[b] != nil {
            fail("SCHEMA_VALIDATION_FAILED", "\"\(a)\" and \"\(b)\" cannot both be set", at: location)
        }
    }

    private mutating func positiveInteger(_ value: JSONValue, at location: String) -> Int? {
        guard case .int(let int) = value, int > 0, int <= 99_999_999 else {
            fail("SCHEMA_VALIDATION_FAILED", "Must be a positive integer no greater than 99999999", at: location)
            return nil
        }
        return int
    }

    private mutating func nonNegativeInteger(_ value: JSONValue, at location: String) -> Int? {
        guard case .int(let int) = value, int >= 0, int <= 99_999_999 else {
            fail("SCHEMA_VALIDATION_FAILED", "Must be a non-negative integer no greater than 99999999", at: location)
            return nil
        }
        return int
    }

    private mutating func positiveNumber(_ value: JSONValue, at location: String) -> Double {
        guard let number = value.numberValue, number > 0 else {
            fail("SCHEMA_VALIDATION_FAILED", "Must be a positive number", at: location)
            return 1
        }
        return number
    }
}

extension StateDefinition {
    /// Every state this one can move to, with the field that names it.
    var transitions: [(String, String)] {
        var targets: [(String, String)] = []
        if let next { targets.append((next, "Next")) }
        if let defaultNext { targets.append((defaultNext, "Default")) }
        for (index, rule) in choices.enumerated() {
            if let next = rule.next { targets.append((next, "Choices/\(index)/Next")) }
        }
        for (index, catcher) in catchers.enumerated() { targets.append((catcher.next, "Catch/\(index)/Next")) }
        return targets
    }

    var isTerminal: Bool {
        end || type == .succeed || type == .fail
    }
}
