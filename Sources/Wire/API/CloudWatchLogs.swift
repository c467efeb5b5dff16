// Request and response shapes of the CloudWatch Logs API (awsJson1_1) for the notification logger's log group.
// Times are epoch milliseconds, as Logs has them (Step Functions uses seconds).

public enum CloudWatchLogs {
    /// The log group of the logger function, where each SNS notification it receives is logged.
    public static let notificationLogGroup = "/aws/lambda/WorkflowResponseLogger"

    public static let filterLogEvents = APIOperation<FilterLogEventsInput, FilterLogEventsOutput>(
        .logs, "FilterLogEvents")
    public static let getLogEvents = APIOperation<GetLogEventsInput, GetLogEventsOutput>(.logs, "GetLogEvents")
    public static let describeLogGroups = APIOperation<DescribeLogGroupsInput, DescribeLogGroupsOutput>(
        .logs, "DescribeLogGroups")
    public static let describeLogStreams = APIOperation<DescribeLogStreamsInput, DescribeLogStreamsOutput>(
        .logs, "DescribeLogStreams")
}

public struct FilterLogEventsInput: Codable, Sendable {
    public var logGroupName: String?
    public var logGroupIdentifier: String?
    public var logStreamNames: [String]?
    public var logStreamNamePrefix: String?
    public var startTime: Int?
    public var endTime: Int?
    public var filterPattern: String?
    public var nextToken: String?
    public var limit: Int?
    public var interleaved: Bool?
    public init(
        logGroupName: String? = nil, filterPattern: String? = nil, startTime: Int? = nil, endTime: Int? = nil,
        nextToken: String? = nil, limit: Int? = nil
    ) {
        self.logGroupName = logGroupName
        self.filterPattern = filterPattern
        self.startTime = startTime
        self.endTime = endTime
        self.nextToken = nextToken
        self.limit = limit
    }
}

public struct FilteredLogEvent: Codable, Sendable, Equatable {
    public var logStreamName: String
    public var timestamp: Int
    public var message: String
    public var ingestionTime: Int
    public var eventId: String
    public init(logStreamName: String, timestamp: Int, message: String, ingestionTime: Int, eventId: String) {
        self.logStreamName = logStreamName
        self.timestamp = timestamp
        self.message = message
        self.ingestionTime = ingestionTime
        self.eventId = eventId
    }
}

public struct SearchedLogStream: Codable, Sendable, Equatable {
    public var logStreamName: String
    public var searchedCompletely: Bool
    public init(logStreamName: String, searchedCompletely: Bool) {
        self.logStreamName = logStreamName
        self.searchedCompletely = searchedCompletely
    }
}

public struct FilterLogEventsOutput: Codable, Sendable {
    public var events: [FilteredLogEvent]
    public var searchedLogStreams: [SearchedLogStream]
    public var nextToken: String?
    public init(events: [FilteredLogEvent], searchedLogStreams: [SearchedLogStream], nextToken: String?) {
        self.events = events
        self.searchedLogStreams = searchedLogStreams
        self.nextToken = nextToken
    }
}

public struct GetLogEventsInput: Codable, Sendable {
    public var logGroupName: String?
    public var logGroupIdentifier: String?
    public var logStreamName: String
    public var startTime: Int?
    public var endTime: Int?
    public var nextToken: String?
    public var limit: Int?
    public var startFromHead: Bool?
    public init(
        logGroupName: String? = nil, logStreamName: String, nextToken: String? = nil, limit: Int? = nil,
        startFromHead: Bool? = nil
    ) {
        self.logGroupName = logGroupName
        self.logStreamName = logStreamName
        self.nextToken = nextToken
        self.limit = limit
        self.startFromHead = startFromHead
    }
}

public struct OutputLogEvent: Codable, Sendable, Equatable {
    public var timestamp: Int
    public var message: String
    public var ingestionTime: Int
    public init(timestamp: Int, message: String, ingestionTime: Int) {
        self.timestamp = timestamp
        self.message = message
        self.ingestionTime = ingestionTime
    }
}

public struct GetLogEventsOutput: Codable, Sendable {
    public var events: [OutputLogEvent]
    public var nextForwardToken: String
    public var nextBackwardToken: String
    public init(events: [OutputLogEvent], nextForwardToken: String, nextBackwardToken: String) {
        self.events = events
        self.nextForwardToken = nextForwardToken
        self.nextBackwardToken = nextBackwardToken
    }
}

public struct DescribeLogGroupsInput: Codable, Sendable {
    public var logGroupNamePrefix: String?
    public var logGroupNamePattern: String?
    public var nextToken: String?
    public var limit: Int?
    public init(logGroupNamePrefix: String? = nil, nextToken: String? = nil, limit: Int? = nil) {
        self.logGroupNamePrefix = logGroupNamePrefix
        self.nextToken = nextToken
        self.limit = limit
    }
}

public struct LogGroup: Codable, Sendable, Equatable {
    public var logGroupName: String
    public var creationTime: Int
    public var metricFilterCount: Int
    public var arn: String
    public var storedBytes: Int
    public var logGroupClass: String
    public var logGroupArn: String
    public init(
        logGroupName: String, creationTime: Int, metricFilterCount: Int, arn: String, storedBytes: Int,
        logGroupClass: String, logGroupArn: String
    ) {
        self.logGroupName = logGroupName
        self.creationTime = creationTime
        self.metricFilterCount = metricFilterCount
        self.arn = arn
        self.storedBytes = storedBytes
        self.logGroupClass = logGroupClass
        self.logGroupArn = logGroupArn
    }
}

public struct DescribeLogGroupsOutput: Codable, Sendable {
    public var logGroups: [LogGroup]
    public var nextToken: String?
    public init(logGroups: [LogGroup], nextToken: String?) {
        self.logGroups = logGroups
        self.nextToken = nextToken
    }
}

public struct DescribeLogStreamsInput: Codable, Sendable {
    public var logGroupName: String?
    public var logGroupIdentifier: String?
    public var logStreamNamePrefix: String?
    public var orderBy: String?
    public var descending: Bool?
    public var nextToken: String?
    public var limit: Int?
    public init(logGroupName: String? = nil, orderBy: String? = nil, descending: Bool? = nil, limit: Int? = nil) {
        self.logGroupName = logGroupName
        self.orderBy = orderBy
        self.descending = descending
        self.limit = limit
    }
}

public struct LogStream: Codable, Sendable, Equatable {
    public var logStreamName: String
    public var creationTime: Int
    public var firstEventTimestamp: Int
    public var lastEventTimestamp: Int
    public var lastIngestionTime: Int
    public var arn: String
    public var storedBytes: Int
    public init(
        logStreamName: String, creationTime: Int, firstEventTimestamp: Int, lastEventTimestamp: Int,
        lastIngestionTime: Int, arn: String, storedBytes: Int
    ) {
        self.logStreamName = logStreamName
        self.creationTime = creationTime
        self.firstEventTimestamp = firstEventTimestamp
        self.lastEventTimestamp = lastEventTimestamp
        self.lastIngestionTime = lastIngestionTime
        self.arn = arn
        self.storedBytes = storedBytes
    }
}

public struct DescribeLogStreamsOutput: Codable, Sendable {
    public var logStreams: [LogStream]
    public var nextToken: String?
    public init(logStreams: [LogStream], nextToken: String?) {
        self.logStreams = logStreams
        self.nextToken = nextToken
    }
}
