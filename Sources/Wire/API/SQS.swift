import JSON

// Request and response shapes of the Amazon SQS API in its JSON protocol (awsJson1_0), member names as AWS's
// model has them.

public enum SQS {
    public static let createQueue = APIOperation<CreateQueueInput, QueueUrlOutput>(.sqs, "CreateQueue")
    public static let getQueueUrl = APIOperation<GetQueueUrlInput, QueueUrlOutput>(.sqs, "GetQueueUrl")
    public static let getQueueAttributes = APIOperation<GetQueueAttributesInput, GetQueueAttributesOutput>(
        .sqs, "GetQueueAttributes")
    public static let setQueueAttributes = APIOperation<SetQueueAttributesInput, EmptyOutput>(
        .sqs, "SetQueueAttributes")
    public static let deleteQueue = APIOperation<QueueUrlInput, EmptyOutput>(.sqs, "DeleteQueue")
    public static let purgeQueue = APIOperation<QueueUrlInput, EmptyOutput>(.sqs, "PurgeQueue")
    public static let listQueues = APIOperation<ListQueuesInput, ListQueuesOutput>(.sqs, "ListQueues")
    public static let listDeadLetterSourceQueues = APIOperation<
        ListDeadLetterSourceQueuesInput, ListDeadLetterSourceQueuesOutput
    >(.sqs, "ListDeadLetterSourceQueues")
    public static let tagQueue = APIOperation<TagQueueInput, EmptyOutput>(.sqs, "TagQueue")
    public static let untagQueue = APIOperation<UntagQueueInput, EmptyOutput>(.sqs, "UntagQueue")
    public static let listQueueTags = APIOperation<QueueUrlInput, ListQueueTagsOutput>(.sqs, "ListQueueTags")
    public static let sendMessage = APIOperation<SendMessageInput, SendMessageOutput>(.sqs, "SendMessage")
    public static let sendMessageBatch = APIOperation<SendMessageBatchInput, SendMessageBatchOutput>(
        .sqs, "SendMessageBatch")
    public static let receiveMessage = APIOperation<ReceiveMessageInput, ReceiveMessageOutput>(.sqs, "ReceiveMessage")
    public static let deleteMessage = APIOperation<DeleteMessageInput, EmptyOutput>(.sqs, "DeleteMessage")
    public static let deleteMessageBatch = APIOperation<DeleteMessageBatchInput, BatchOutput>(
        .sqs, "DeleteMessageBatch")
    public static let changeMessageVisibility = APIOperation<ChangeMessageVisibilityInput, EmptyOutput>(
        .sqs, "ChangeMessageVisibility")
    public static let changeMessageVisibilityBatch = APIOperation<ChangeMessageVisibilityBatchInput, BatchOutput>(
        .sqs, "ChangeMessageVisibilityBatch")
    public static let startMessageMoveTask = APIOperation<StartMessageMoveTaskInput, StartMessageMoveTaskOutput>(
        .sqs, "StartMessageMoveTask")
    public static let listMessageMoveTasks = APIOperation<ListMessageMoveTasksInput, ListMessageMoveTasksOutput>(
        .sqs, "ListMessageMoveTasks")
    public static let cancelMessageMoveTask = APIOperation<CancelMessageMoveTaskInput, CancelMessageMoveTaskOutput>(
        .sqs, "CancelMessageMoveTask")
}

extension Control {
    /// A queue's messages, read without receiving them (for checkers and people).
    public static let listMessages = APIOperation<QueueUrlInput, ReceiveMessageOutput>(.control, "ListMessages")
}

public struct CreateQueueInput: Codable, Sendable {
    public var QueueName: String
    public var Attributes: [String: String]?
    public var tags: [String: String]?
    public init(QueueName: String, Attributes: [String: String]? = nil, tags: [String: String]? = nil) {
        self.QueueName = QueueName
        self.Attributes = Attributes
        self.tags = tags
    }
}

public struct QueueUrlOutput: Codable, Sendable {
    public var QueueUrl: String
    public init(QueueUrl: String) { self.QueueUrl = QueueUrl }
}

public struct GetQueueUrlInput: Codable, Sendable {
    public var QueueName: String
    public var QueueOwnerAWSAccountId: String?
    public init(QueueName: String, QueueOwnerAWSAccountId: String? = nil) {
        self.QueueName = QueueName
        self.QueueOwnerAWSAccountId = QueueOwnerAWSAccountId
    }
}

public struct QueueUrlInput: Codable, Sendable {
    public var QueueUrl: String
    public init(QueueUrl: String) { self.QueueUrl = QueueUrl }
}

public struct GetQueueAttributesInput: Codable, Sendable {
    public var QueueUrl: String
    public var AttributeNames: [String]?
    public init(QueueUrl: String, AttributeNames: [String]? = nil) {
        self.QueueUrl = QueueUrl
        self.AttributeNames = AttributeNames
    }
}

public struct GetQueueAttributesOutput: Codable, Sendable {
    public var Attributes: [String: String]?
    public init(Attributes: [String: String]?) { self.Attributes = Attributes }
}

public struct SetQueueAttributesInput: Codable, Sendable {
    public var QueueUrl: String
    public var Attributes: [String: String]
    public init(QueueUrl: String, Attributes: [String: String]) {
        self.QueueUrl = QueueUrl
        self.Attributes = Attributes
    }
}

public struct ListQueuesInput: Codable, Sendable {
    public var QueueNamePrefix: String?
    public var NextToken: String?
    public var MaxResults: Int?
    public init(QueueNamePrefix: String? = nil, NextToken: String? = nil, MaxResults: Int? = nil) {
        self.QueueNamePrefix = QueueNamePrefix
        self.NextToken = NextToken
        self.MaxResults = MaxResults
    }
}

public struct ListQueuesOutput: Codable, Sendable {
    public var QueueUrls: [String]?
    public var NextToken: String?
    public init(QueueUrls: [String]?, NextToken: String? = nil) {
        self.QueueUrls = QueueUrls
        self.NextToken = NextToken
    }
}

public struct ListDeadLetterSourceQueuesInput: Codable, Sendable {
    public var QueueUrl: String
    public var NextToken: String?
    public var MaxResults: Int?
    public init(QueueUrl: String, NextToken: String? = nil, MaxResults: Int? = nil) {
        self.QueueUrl = QueueUrl
        self.NextToken = NextToken
        self.MaxResults = MaxResults
    }
}

public struct ListDeadLetterSourceQueuesOutput: Codable, Sendable {
    public var queueUrls: [String]
    public var NextToken: String?
    public init(queueUrls: [String], NextToken: String? = nil) {
        self.queueUrls = queueUrls
        self.NextToken = NextToken
    }
}

public struct TagQueueInput: Codable, Sendable {
    public var QueueUrl: String
    public var Tags: [String: String]
    public init(QueueUrl: String, Tags: [String: String]) {
        self.QueueUrl = QueueUrl
        self.Tags = Tags
    }
}

public struct UntagQueueInput: Codable, Sendable {
    public var QueueUrl: String
    public var TagKeys: [String]
    public init(QueueUrl: String, TagKeys: [String]) {
        self.QueueUrl = QueueUrl
        self.TagKeys = TagKeys
    }
}

public struct ListQueueTagsOutput: Codable, Sendable {
    public var Tags: [String: String]?
    public init(Tags: [String: String]?) { self.Tags = Tags }
}

public struct MessageAttributeValue: Codable, Sendable, Equatable {
    public var StringValue: String?
    public var BinaryValue: String?
    public var StringListValues: [String]?
    public var BinaryListValues: [String]?
    public var DataType: String
    public init(
        DataType: String, StringValue: String? = nil, BinaryValue: String? = nil, StringListValues: [String]? = nil,
        BinaryListValues: [String]? = nil
    ) {
        self.DataType = DataType
        self.StringValue = StringValue
        self.BinaryValue = BinaryValue
        self.StringListValues = StringListValues
        self.BinaryListValues = BinaryListValues
    }
}

public struct SendMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var MessageBody: String
    public var DelaySeconds: Int?
    public var MessageAttributes: [String: MessageAttributeValue]?
    public var MessageSystemAttributes: [String: MessageAttributeValue]?
    public var MessageDeduplicationId: String?
    public var MessageGroupId: String?
    public init(
        QueueUrl: String, MessageBody: String, DelaySeconds: Int? = nil,
        MessageAttributes: [String: MessageAttributeValue]? = nil, MessageDeduplicationId: String? = nil,
        MessageGroupId: String? = nil
    ) {
        self.QueueUrl = QueueUrl
        self.MessageBody = MessageBody
        self.DelaySeconds = DelaySeconds
        self.MessageAttributes = MessageAttributes
        self.MessageDeduplicationId = MessageDeduplicationId
        self.MessageGroupId = MessageGroupId
    }
}

public struct SendMessageOutput: Codable, Sendable {
    public var MD5OfMessageBody: String
    public var MD5OfMessageAttributes: String?
    public var MessageId: String
    public var SequenceNumber: String?
    public init(
        MessageId: String, MD5OfMessageBody: String, MD5OfMessageAttributes: String? = nil,
        SequenceNumber: String? = nil
    ) {
        self.MessageId = MessageId
        self.MD5OfMessageBody = MD5OfMessageBody
        self.MD5OfMessageAttributes = MD5OfMessageAttributes
        self.SequenceNumber = SequenceNumber
    }
}

public struct SendMessageBatchInput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var MessageBody: String
        public var DelaySeconds: Int?
        public var MessageAttributes: [String: MessageAttributeValue]?
        public var MessageSystemAttributes: [String: MessageAttributeValue]?
        public var MessageDeduplicationId: String?
        public var MessageGroupId: String?
        public init(Id: String, MessageBody: String, DelaySeconds: Int? = nil) {
            self.Id = Id
            self.MessageBody = MessageBody
            self.DelaySeconds = DelaySeconds
        }
    }
    public var QueueUrl: String
    public var Entries: [Entry]
    public init(QueueUrl: String, Entries: [Entry]) {
        self.QueueUrl = QueueUrl
        self.Entries = Entries
    }
}

/// One entry of a batch that failed, inside an HTTP 200: the others went through.
public struct BatchResultErrorEntry: Codable, Sendable, Equatable {
    public var Id: String
    public var SenderFault: Bool
    public var Code: String
    public var Message: String?
    public init(Id: String, SenderFault: Bool = true, Code: String, Message: String?) {
        self.Id = Id
        self.SenderFault = SenderFault
        self.Code = Code
        self.Message = Message
    }
}

public struct SendMessageBatchOutput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var MessageId: String
        public var MD5OfMessageBody: String
        public var MD5OfMessageAttributes: String?
        public var SequenceNumber: String?
        public init(Id: String, sent: SendMessageOutput) {
            self.Id = Id
            self.MessageId = sent.MessageId
            self.MD5OfMessageBody = sent.MD5OfMessageBody
            self.MD5OfMessageAttributes = sent.MD5OfMessageAttributes
            self.SequenceNumber = sent.SequenceNumber
        }
    }
    public var Successful: [Entry]
    public var Failed: [BatchResultErrorEntry]
    public init(Successful: [Entry], Failed: [BatchResultErrorEntry]) {
        self.Successful = Successful
        self.Failed = Failed
    }
}

public struct ReceiveMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var AttributeNames: [String]?
    public var MessageSystemAttributeNames: [String]?
    public var MessageAttributeNames: [String]?
    public var MaxNumberOfMessages: Int?
    public var VisibilityTimeout: Int?
    public var WaitTimeSeconds: Int?
    public var ReceiveRequestAttemptId: String?
    public init(
        QueueUrl: String, MaxNumberOfMessages: Int? = nil, WaitTimeSeconds: Int? = nil,
        VisibilityTimeout: Int? = nil, MessageSystemAttributeNames: [String]? = nil,
        MessageAttributeNames: [String]? = nil
    ) {
        self.QueueUrl = QueueUrl
        self.MaxNumberOfMessages = MaxNumberOfMessages
        self.WaitTimeSeconds = WaitTimeSeconds
        self.VisibilityTimeout = VisibilityTimeout
        self.MessageSystemAttributeNames = MessageSystemAttributeNames
        self.MessageAttributeNames = MessageAttributeNames
    }
}

public struct SQSMessage: Codable, Sendable, Equatable {
    public var MessageId: String
    public var ReceiptHandle: String
    public var MD5OfBody: String
    public var Body: String
    public var Attributes: [String: String]?
    public var MD5OfMessageAttributes: String?
    public var MessageAttributes: [String: MessageAttributeValue]?
    public init(
        MessageId: String, ReceiptHandle: String, MD5OfBody: String, Body: String, Attributes: [String: String]?,
        MessageAttributes: [String: MessageAttributeValue]?, MD5OfMessageAttributes: String? = nil
    ) {
        self.MessageId = MessageId
        self.ReceiptHandle = ReceiptHandle
        self.MD5OfBody = MD5OfBody
        self.MD5OfMessageAttributes = MD5OfMessageAttributes
        self.Body = Body
        self.Attributes = Attributes
        self.MessageAttributes = MessageAttributes
    }
}

public struct ReceiveMessageOutput: Codable, Sendable {
    public var Messages: [SQSMessage]?
    public init(Messages: [SQSMessage]) { self.Messages = Messages.isEmpty ? nil : Messages }

    /// The messages received; none when the response left the member out, as AWS does for an empty receive.
    public var received: [SQSMessage] { Messages ?? [] }
}

public struct DeleteMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var ReceiptHandle: String
    public init(QueueUrl: String, ReceiptHandle: String) {
        self.QueueUrl = QueueUrl
        self.ReceiptHandle = ReceiptHandle
    }
}

public struct DeleteMessageBatchInput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var ReceiptHandle: String
        public init(Id: String, ReceiptHandle: String) {
            self.Id = Id
            self.ReceiptHandle = ReceiptHandle
        }
    }
    public var QueueUrl: String
    public var Entries: [Entry]
    public init(QueueUrl: String, Entries: [Entry]) {
        self.QueueUrl = QueueUrl
        self.Entries = Entries
    }
}

/// DeleteMessageBatch's and ChangeMessageVisibilityBatch's answer: the ids that went through, and the failures.
public struct BatchOutput: Codable, Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var Id: String
        public init(Id: String) { self.Id = Id }
    }
    public var Successful: [Entry]
    public var Failed: [BatchResultErrorEntry]
    public init(Successful: [Entry], Failed: [BatchResultErrorEntry]) {
        self.Successful = Successful
        self.Failed = Failed
    }
}

public struct ChangeMessageVisibilityInput: Codable, Sendable {
    public var QueueUrl: String
    public var ReceiptHandle: String
    public var VisibilityTimeout: Int
    public init(QueueUrl: String, ReceiptHandle: String, VisibilityTimeout: Int) {
        self.QueueUrl = QueueUrl
        self.ReceiptHandle = ReceiptHandle
        self.VisibilityTimeout = VisibilityTimeout
    }
}

public struct ChangeMessageVisibilityBatchInput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var ReceiptHandle: String
        public var VisibilityTimeout: Int?
        public init(Id: String, ReceiptHandle: String, VisibilityTimeout: Int?) {
            self.Id = Id
            self.ReceiptHandle = ReceiptHandle
            self.VisibilityTimeout = VisibilityTimeout
        }
    }
    public var QueueUrl: String
    public var Entries: [Entry]
    public init(QueueUrl: String, Entries: [Entry]) {
        self.QueueUrl = QueueUrl
        self.Entries = Entries
    }
}

public struct StartMessageMoveTaskInput: Codable, Sendable {
    public var SourceArn: String
    public var DestinationArn: String?
    public var MaxNumberOfMessagesPerSecond: Int?
    public init(SourceArn: String, DestinationArn: String? = nil, MaxNumberOfMessagesPerSecond: Int? = nil) {
        self.SourceArn = SourceArn
        self.DestinationArn = DestinationArn
        self.MaxNumberOfMessagesPerSecond = MaxNumberOfMessagesPerSecond
    }
}

public struct StartMessageMoveTaskOutput: Codable, Sendable {
    public var TaskHandle: String
    public init(TaskHandle: String) { self.TaskHandle = TaskHandle }
}

public struct ListMessageMoveTasksInput: Codable, Sendable {
    public var SourceArn: String
    public var MaxResults: Int?
    public init(SourceArn: String, MaxResults: Int? = nil) {
        self.SourceArn = SourceArn
        self.MaxResults = MaxResults
    }
}

public struct MessageMoveTask: Codable, Sendable, Equatable {
    public var TaskHandle: String?
    public var Status: String
    public var SourceArn: String
    public var DestinationArn: String?
    public var MaxNumberOfMessagesPerSecond: Int?
    public var ApproximateNumberOfMessagesMoved: Int
    public var ApproximateNumberOfMessagesToMove: Int?
    public var FailureReason: String?
    public var StartedTimestamp: Int
    public init(
        TaskHandle: String?, Status: String, SourceArn: String, DestinationArn: String?,
        MaxNumberOfMessagesPerSecond: Int?, ApproximateNumberOfMessagesMoved: Int,
        ApproximateNumberOfMessagesToMove: Int?, FailureReason: String?, StartedTimestamp: Int
    ) {
        self.TaskHandle = TaskHandle
        self.Status = Status
        self.SourceArn = SourceArn
        self.DestinationArn = DestinationArn
        self.MaxNumberOfMessagesPerSecond = MaxNumberOfMessagesPerSecond
        self.ApproximateNumberOfMessagesMoved = ApproximateNumberOfMessagesMoved
        self.ApproximateNumberOfMessagesToMove = ApproximateNumberOfMessagesToMove
        self.FailureReason = FailureReason
        self.StartedTimestamp = StartedTimestamp
    }
}

public struct ListMessageMoveTasksOutput: Codable, Sendable {
    public var Results: [MessageMoveTask]
    public init(Results: [MessageMoveTask]) { self.Results = Results }
}

public struct CancelMessageMoveTaskInput: Codable, Sendable {
    public var TaskHandle: String
    public init(TaskHandle: String) { self.TaskHandle = TaskHandle }
}

public struct CancelMessageMoveTaskOutput: Codable, Sendable {
    public var ApproximateNumberOfMessagesMoved: Int
    public init(ApproximateNumberOfMessagesMoved: Int) {
        self.ApproximateNumberOfMessagesMoved = ApproximateNumberOfMessagesMoved
    }
}
