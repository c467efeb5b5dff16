import JSON

// Request and response shapes of the AWS Step Functions API (awsJson1_0), as the AWS API reference names them.
// Dates travel as epoch seconds, as in AWS's JSON protocol; the CLI prints them the way the AWS CLI does.

public enum StepFunctions {
    public static let createStateMachine = APIOperation<CreateStateMachineInput, CreateStateMachineOutput>(
        .stepFunctions, "CreateStateMachine")
    public static let describeStateMachine = APIOperation<DescribeStateMachineInput, DescribeStateMachineOutput>(
        .stepFunctions, "DescribeStateMachine")
    public static let listStateMachines = APIOperation<ListStateMachinesInput, ListStateMachinesOutput>(
        .stepFunctions, "ListStateMachines")
    public static let startExecution = APIOperation<StartExecutionInput, StartExecutionOutput>(
        .stepFunctions, "StartExecution")
    public static let describeExecution = APIOperation<ExecutionArnInput, DescribeExecutionOutput>(
        .stepFunctions, "DescribeExecution")
    public static let listExecutions = APIOperation<ListExecutionsInput, ListExecutionsOutput>(
        .stepFunctions, "ListExecutions")
    public static let getExecutionHistory = APIOperation<GetExecutionHistoryInput, GetExecutionHistoryOutput>(
        .stepFunctions, "GetExecutionHistory")
    public static let stopExecution = APIOperation<StopExecutionInput, StopExecutionOutput>(
        .stepFunctions, "StopExecution")
    public static let sendTaskSuccess = APIOperation<SendTaskSuccessInput, EmptyOutput>(
        .stepFunctions, "SendTaskSuccess")
    public static let sendTaskFailure = APIOperation<SendTaskFailureInput, EmptyOutput>(
        .stepFunctions, "SendTaskFailure")
    public static let sendTaskHeartbeat = APIOperation<SendTaskHeartbeatInput, EmptyOutput>(
        .stepFunctions, "SendTaskHeartbeat")
    public static let updateStateMachine = APIOperation<UpdateStateMachineInput, UpdateStateMachineOutput>(
        .stepFunctions, "UpdateStateMachine")
    public static let deleteStateMachine = APIOperation<DescribeStateMachineInput, EmptyOutput>(
        .stepFunctions, "DeleteStateMachine")
    public static let describeStateMachineForExecution = APIOperation<
        ExecutionArnInput, DescribeStateMachineForExecutionOutput
    >(.stepFunctions, "DescribeStateMachineForExecution")
    public static let validateStateMachineDefinition = APIOperation<
        ValidateStateMachineDefinitionInput, ValidateStateMachineDefinitionOutput
    >(.stepFunctions, "ValidateStateMachineDefinition")
    public static let testState = APIOperation<TestStateInput, TestStateOutput>(.stepFunctions, "TestState")
    public static let startSyncExecution = APIOperation<StartExecutionInput, StartSyncExecutionOutput>(
        .stepFunctions, "StartSyncExecution")
    public static let redriveExecution = APIOperation<RedriveExecutionInput, RedriveExecutionOutput>(
        .stepFunctions, "RedriveExecution")
    public static let tagResource = APIOperation<TagResourceInput, EmptyOutput>(.stepFunctions, "TagResource")
    public static let untagResource = APIOperation<UntagResourceInput, EmptyOutput>(.stepFunctions, "UntagResource")
    public static let listTagsForResource = APIOperation<ResourceArnInput, ListTagsForResourceOutput>(
        .stepFunctions, "ListTagsForResource")
}

public struct CreateStateMachineInput: Codable, Sendable {
    public var name: String
    public var definition: String
    public var roleArn: String?
    public var type: String?
    public var tags: [Tag]?
    public var loggingConfiguration: JSONValue?
    public var tracingConfiguration: JSONValue?
    public var publish: Bool?
    public var versionDescription: String?
    public init(name: String, definition: String, roleArn: String? = nil, type: String? = nil, tags: [Tag]? = nil) {
        self.name = name
        self.definition = definition
        self.roleArn = roleArn
        self.type = type
        self.tags = tags
    }
}

/// A resource tag, as Step Functions spells it (lower case, unlike SQS's and SNS's).
public struct Tag: Codable, Sendable, Equatable {
    public var key: String
    public var value: String?
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

public struct ResourceArnInput: Codable, Sendable {
    public var resourceArn: String
    public init(resourceArn: String) { self.resourceArn = resourceArn }
}

public struct TagResourceInput: Codable, Sendable {
    public var resourceArn: String
    public var tags: [Tag]
    public init(resourceArn: String, tags: [Tag]) {
        self.resourceArn = resourceArn
        self.tags = tags
    }
}

public struct UntagResourceInput: Codable, Sendable {
    public var resourceArn: String
    public var tagKeys: [String]
    public init(resourceArn: String, tagKeys: [String]) {
        self.resourceArn = resourceArn
        self.tagKeys = tagKeys
    }
}

public struct ListTagsForResourceOutput: Codable, Sendable {
    public var tags: [Tag]
    public init(tags: [Tag]) { self.tags = tags }
}

public struct UpdateStateMachineInput: Codable, Sendable {
    public var stateMachineArn: String
    public var definition: String?
    public var roleArn: String?
    public var loggingConfiguration: JSONValue?
    public var tracingConfiguration: JSONValue?
    public var publish: Bool?
    public var versionDescription: String?
    public init(stateMachineArn: String, definition: String? = nil, roleArn: String? = nil) {
        self.stateMachineArn = stateMachineArn
        self.definition = definition
        self.roleArn = roleArn
    }
}

public struct UpdateStateMachineOutput: Codable, Sendable {
    public var updateDate: Double
    public var revisionId: String?
    public init(updateDate: Double, revisionId: String?) {
        self.updateDate = updateDate
        self.revisionId = revisionId
    }
}

public struct DescribeStateMachineForExecutionOutput: Codable, Sendable {
    public var stateMachineArn: String
    public var name: String
    public var definition: String
    public var roleArn: String
    public var updateDate: Double
    public var loggingConfiguration: JSONValue?
    public var tracingConfiguration: JSONValue?
    public var revisionId: String?
    public init(
        stateMachineArn: String, name: String, definition: String, roleArn: String, updateDate: Double,
        revisionId: String?
    ) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.definition = definition
        self.roleArn = roleArn
        self.updateDate = updateDate
        self.revisionId = revisionId
    }
}

public struct ValidateStateMachineDefinitionInput: Codable, Sendable {
    public var definition: String
    public var type: String?
    public var severity: String?
    public var maxResults: Int?
    public init(definition: String, type: String? = nil, severity: String? = nil, maxResults: Int? = nil) {
        self.definition = definition
        self.type = type
        self.severity = severity
        self.maxResults = maxResults
    }
}

public struct ValidationDiagnostic: Codable, Sendable, Equatable {
    public var severity: String
    public var code: String
    public var message: String
    public var location: String?
    public init(severity: String, code: String, message: String, location: String?) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }
}

public struct ValidateStateMachineDefinitionOutput: Codable, Sendable {
    public var result: String
    public var diagnostics: [ValidationDiagnostic]
    public var truncated: Bool
    public init(result: String, diagnostics: [ValidationDiagnostic], truncated: Bool) {
        self.result = result
        self.diagnostics = diagnostics
        self.truncated = truncated
    }
}

public struct TestStateInput: Codable, Sendable {
    public struct Mock: Codable, Sendable {
        public struct ErrorOutput: Codable, Sendable {
            public var error: String?
            public var cause: String?
        }
        public var result: String?
        public var errorOutput: ErrorOutput?
        public var fieldValidationMode: String?
    }
    public var definition: String
    public var roleArn: String?
    public var input: String?
    public var inspectionLevel: String?
    public var revealSecrets: Bool?
    public var variables: String?
    public var stateName: String?
    public var mock: Mock?
    public var context: String?
    public init(definition: String, input: String? = nil, inspectionLevel: String? = nil) {
        self.definition = definition
        self.input = input
        self.inspectionLevel = inspectionLevel
    }
}

public struct InspectionData: Codable, Sendable, Equatable {
    public var input: String?
    public var afterArguments: String?
    public var afterInputPath: String?
    public var afterParameters: String?
    public var result: String?
    public var afterResultSelector: String?
    public var afterResultPath: String?
    public var variables: String?
    public init() {}
}

public struct TestStateOutput: Codable, Sendable {
    public var output: String?
    public var error: String?
    public var cause: String?
    public var inspectionData: InspectionData?
    public var nextState: String?
    public var status: String
    public init(status: String) { self.status = status }
}

public struct StartSyncExecutionOutput: Codable, Sendable {
    public var executionArn: String
    public var stateMachineArn: String
    public var name: String
    public var startDate: Double
    public var stopDate: Double
    public var status: String
    public var error: String?
    public var cause: String?
    public var input: String?
    public var inputDetails: JSONValue?
    public var output: String?
    public var outputDetails: JSONValue?
    public var billingDetails: JSONValue?
    public init(
        executionArn: String, stateMachineArn: String, name: String, startDate: Double, stopDate: Double,
        status: String, error: String?, cause: String?, input: String?, output: String?
    ) {
        self.executionArn = executionArn
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.startDate = startDate
        self.stopDate = stopDate
        self.status = status
        self.error = error
        self.cause = cause
        self.input = input
        self.inputDetails = ["included": true]
        self.output = output
        self.outputDetails = output == nil ? nil : ["included": true]
    }
}

public struct RedriveExecutionInput: Codable, Sendable {
    public var executionArn: String
    public var clientToken: String?
    public init(executionArn: String, clientToken: String? = nil) {
        self.executionArn = executionArn
        self.clientToken = clientToken
    }
}

public struct RedriveExecutionOutput: Codable, Sendable {
    public var redriveDate: Double
    public init(redriveDate: Double) { self.redriveDate = redriveDate }
}

public struct CreateStateMachineOutput: Codable, Sendable {
    public var stateMachineArn: String
    public var creationDate: Double
    public init(stateMachineArn: String, creationDate: Double) {
        self.stateMachineArn = stateMachineArn
        self.creationDate = creationDate
    }
}

public struct DescribeStateMachineInput: Codable, Sendable {
    public var stateMachineArn: String
    public init(stateMachineArn: String) { self.stateMachineArn = stateMachineArn }
}

public struct DescribeStateMachineOutput: Codable, Sendable {
    public var stateMachineArn: String
    public var name: String
    public var status: String
    public var definition: String
    public var roleArn: String
    public var type: String
    public var creationDate: Double
    public var loggingConfiguration: JSONValue?
    public var tracingConfiguration: JSONValue?
    public var revisionId: String?
    public var description: String?
    public init(
        stateMachineArn: String, name: String, status: String, definition: String, roleArn: String, type: String,
        creationDate: Double
    ) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.status = status
        self.definition = definition
        self.roleArn = roleArn
        self.type = type
        self.creationDate = creationDate
    }
}

public struct StateMachineListItem: Codable, Sendable {
    public var stateMachineArn: String
    public var name: String
    public var type: String
    public var creationDate: Double
    public init(stateMachineArn: String, name: String, type: String, creationDate: Double) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.type = type
        self.creationDate = creationDate
    }
}

public struct ListStateMachinesInput: Codable, Sendable {
    public var maxResults: Int?
    public var nextToken: String?
    public init(maxResults: Int? = nil, nextToken: String? = nil) {
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
}

public struct ListStateMachinesOutput: Codable, Sendable {
    public var stateMachines: [StateMachineListItem]
    public var nextToken: String?
    public init(stateMachines: [StateMachineListItem], nextToken: String? = nil) {
        self.stateMachines = stateMachines
        self.nextToken = nextToken
    }
}

public struct StartExecutionInput: Codable, Sendable {
    public var stateMachineArn: String
    public var name: String?
    public var input: String?
    public init(stateMachineArn: String, name: String? = nil, input: String? = nil) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.input = input
    }
}

public struct StartExecutionOutput: Codable, Sendable {
    public var executionArn: String
    public var startDate: Double
    public init(executionArn: String, startDate: Double) {
        self.executionArn = executionArn
        self.startDate = startDate
    }
}

public struct ExecutionArnInput: Codable, Sendable {
    public var executionArn: String
    public init(executionArn: String) { self.executionArn = executionArn }
}

public struct DescribeExecutionOutput: Codable, Sendable {
    public var executionArn: String
    public var stateMachineArn: String
    public var name: String
    public var status: String
    public var startDate: Double
    public var stopDate: Double?
    public var input: String
    public var inputDetails: JSONValue?
    public var output: String?
    public var outputDetails: JSONValue?
    public var error: String?
    public var cause: String?
    public var redriveCount: Int?
    public var redriveDate: Double?
    public var redriveStatus: String?
    public var redriveStatusReason: String?
    public init(
        executionArn: String, stateMachineArn: String, name: String, status: String, startDate: Double,
        stopDate: Double?, input: String, output: String?, error: String?, cause: String?
    ) {
        self.executionArn = executionArn
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.status = status
        self.startDate = startDate
        self.stopDate = stopDate
        self.input = input
        self.inputDetails = ["included": true]
        self.output = output
        self.outputDetails = output == nil ? nil : ["included": true]
        self.error = error
        self.cause = cause
    }
}

public struct ListExecutionsInput: Codable, Sendable {
    public var stateMachineArn: String?
    public var statusFilter: String?
    public var maxResults: Int?
    public var nextToken: String?
    public var mapRunArn: String?
    public var redriveFilter: String?
    public init(
        stateMachineArn: String? = nil, statusFilter: String? = nil, maxResults: Int? = nil, nextToken: String? = nil
    ) {
        self.stateMachineArn = stateMachineArn
        self.statusFilter = statusFilter
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
}

public struct ExecutionListItem: Codable, Sendable {
    public var executionArn: String
    public var stateMachineArn: String
    public var name: String
    public var status: String
    public var startDate: Double
    public var stopDate: Double?
    public var redriveCount: Int?
    public var redriveDate: Double?
    public init(
        executionArn: String, stateMachineArn: String, name: String, status: String, startDate: Double,
        stopDate: Double?
    ) {
        self.executionArn = executionArn
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.status = status
        self.startDate = startDate
        self.stopDate = stopDate
    }
}

public struct ListExecutionsOutput: Codable, Sendable {
    public var executions: [ExecutionListItem]
    public var nextToken: String?
    public init(executions: [ExecutionListItem], nextToken: String? = nil) {
        self.executions = executions
        self.nextToken = nextToken
    }
}

public struct GetExecutionHistoryInput: Codable, Sendable {
    public var executionArn: String
    public var maxResults: Int?
    public var reverseOrder: Bool?
    public var nextToken: String?
    public var includeExecutionData: Bool?
    public init(
        executionArn: String, reverseOrder: Bool? = nil, maxResults: Int? = nil, nextToken: String? = nil,
        includeExecutionData: Bool? = nil
    ) {
        self.executionArn = executionArn
        self.reverseOrder = reverseOrder
        self.maxResults = maxResults
        self.nextToken = nextToken
        self.includeExecutionData = includeExecutionData
    }
}

public struct GetExecutionHistoryOutput: Codable, Sendable {
    public var events: [JSONValue]
    public var nextToken: String?
    public init(events: [JSONValue], nextToken: String? = nil) {
        self.events = events
        self.nextToken = nextToken
    }
}

public struct StopExecutionInput: Codable, Sendable {
    public var executionArn: String
    public var error: String?
    public var cause: String?
    public init(executionArn: String, error: String? = nil, cause: String? = nil) {
        self.executionArn = executionArn
        self.error = error
        self.cause = cause
    }
}

public struct StopExecutionOutput: Codable, Sendable {
    public var stopDate: Double
    public init(stopDate: Double) { self.stopDate = stopDate }
}

public struct SendTaskSuccessInput: Codable, Sendable {
    public var taskToken: String
    public var output: String
    public init(taskToken: String, output: String) {
        self.taskToken = taskToken
        self.output = output
    }
}

public struct SendTaskFailureInput: Codable, Sendable {
    public var taskToken: String
    public var error: String?
    public var cause: String?
    public init(taskToken: String, error: String? = nil, cause: String? = nil) {
        self.taskToken = taskToken
        self.error = error
        self.cause = cause
    }
}

public struct SendTaskHeartbeatInput: Codable, Sendable {
    public var taskToken: String
    public init(taskToken: String) { self.taskToken = taskToken }
}
