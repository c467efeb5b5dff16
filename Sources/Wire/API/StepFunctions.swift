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
}

public struct CreateStateMachineInput: Codable, Sendable {
    public var name: String
    public var definition: String
    public var roleArn: String?
    public var type: String?
    public init(name: String, definition: String, roleArn: String? = nil, type: String? = nil) {
        self.name = name
        self.definition = definition
        self.roleArn = roleArn
        self.type = type
    }
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
    public var output: String?
    public var error: String?
    public var cause: String?
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
        self.output = output
        self.error = error
        self.cause = cause
    }
}

public struct ListExecutionsInput: Codable, Sendable {
    public var stateMachineArn: String?
    public var statusFilter: String?
    public var maxResults: Int?
    public init(stateMachineArn: String? = nil, statusFilter: String? = nil, maxResults: Int? = nil) {
        self.stateMachineArn = stateMachineArn
        self.statusFilter = statusFilter
        self.maxResults = maxResults
    }
}

public struct ExecutionListItem: Codable, Sendable {
    public var executionArn: String
    public var stateMachineArn: String
    public var name: String
    public var status: String
    public var startDate: Double
    public var stopDate: Double?
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
    public init(executions: [ExecutionListItem]) { self.executions = executions }
}

public struct GetExecutionHistoryInput: Codable, Sendable {
    public var executionArn: String
    public var reverseOrder: Bool?
    public var maxResults: Int?
    public init(executionArn: String, reverseOrder: Bool? = nil, maxResults: Int? = nil) {
        self.executionArn = executionArn
        self.reverseOrder = reverseOrder
        self.maxResults = maxResults
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
