import JSON

// Request and response shapes of the Amazon SQS API in its JSON protocol (awsJson1_0).

public enum SQS {
    public static let createQueue = APIOperation<CreateQueueInput, QueueUrlOutput>(.sqs, "CreateQueue")
    public static let getQueueUrl = APIOperation<GetQueueUrlInput, QueueUrlOutput>(.sqs, "GetQueueUrl")
    public static let getQueueAttributes = APIOperation<GetQueueAttributesInput, GetQueueAttributesOutput>(
        .sqs, "GetQueueAttributes")
    public static let listQueues = APIOperation<ListQueuesInput, ListQueuesOutput>(.sqs, "ListQueues")
    public static let sendMessage = APIOperation<SendMessageInput, SendMessageOutput>(.sqs, "SendMessage")
    public static let receiveMessage = APIOperation<ReceiveMessageInput, ReceiveMessageOutput>(.sqs, "ReceiveMessage")
    public static let deleteMessage = APIOperation<DeleteMessageInput, EmptyOutput>(.sqs, "DeleteMessage")
    public static let changeMessageVisibility = APIOperation<ChangeMessageVisibilityInput, EmptyOutput>(
        .sqs, "ChangeMessageVisibility")
    public static let purgeQueue = APIOperation<QueueUrlInput, EmptyOutput>(.sqs, "PurgeQueue")
}

extension Control {
    /// A queue's messages, read without receiving them (for checkers and people).
    public static let listMessages = APIOperation<QueueUrlInput, ReceiveMessageOutput>(.control, "ListMessages")
}

public struct CreateQueueInput: Codable, Sendable {
    public var QueueName: String
    public var Attributes: [String: String]?
    public init(QueueName: String, Attributes: [String: String]? = nil) {
        self.QueueName = QueueName
        self.Attributes = Attributes
    }
}

public struct QueueUrlOutput: Codable, Sendable {
    public var QueueUrl: String
    public init(QueueUrl: String) { self.QueueUrl = QueueUrl }
}

public struct GetQueueUrlInput: Codable, Sendable {
    public var QueueName: String
    public init(QueueName: String) { self.QueueName = QueueName }
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
    public var Attributes: [String: String]
    public init(Attributes: [String: String]) { self.Attributes = Attributes }
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
    public var QueueUrls: [String]
    public init(QueueUrls: [String]) { self.QueueUrls = QueueUrls }
}

public struct MessageAttributeValue: Codable, Sendable, Equatable {
    public var DataType: String
    public var StringValue: String?
    public var BinaryValue: String?
    public init(DataType: String, StringValue: String? = nil, BinaryValue: String? = nil) {
        self.DataType = DataType
        self.StringValue = StringValue
        self.BinaryValue = BinaryValue
    }
}

public struct SendMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var MessageBody: String
    public var DelaySeconds: Int?
    public var MessageAttributes: [String: MessageAttributeValue]?
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
    public var MessageId: String
    public var MD5OfMessageBody: String
    public var MD5OfMessageAttributes: String?
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

public struct ReceiveMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var MaxNumberOfMessages: Int?
    public var WaitTimeSeconds: Int?
    public var VisibilityTimeout: Int?
    public var AttributeNames: [String]?
    public var MessageSystemAttributeNames: [String]?
    public init(
        QueueUrl: String, MaxNumberOfMessages: Int? = nil, WaitTimeSeconds: Int? = nil,
        VisibilityTimeout: Int? = nil, MessageSystemAttributeNames: [String]? = nil
    ) {
        self.QueueUrl = QueueUrl
        self.MaxNumberOfMessages = MaxNumberOfMessages
        self.WaitTimeSeconds = WaitTimeSeconds
        self.VisibilityTimeout = VisibilityTimeout
        self.MessageSystemAttributeNames = MessageSystemAttributeNames
    }
}

public struct SQSMessage: Codable, Sendable, Equatable {
    public var MessageId: String
    public var ReceiptHandle: String
    public var MD5OfBody: String
    public var MD5OfMessageAttributes: String?
    public var Body: String
    public var Attributes: [String: String]?
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
    public var Messages: [SQSMessage]
    public init(Messages: [SQSMessage]) { self.Messages = Messages }
}

public struct DeleteMessageInput: Codable, Sendable {
    public var QueueUrl: String
    public var ReceiptHandle: String
    public init(QueueUrl: String, ReceiptHandle: String) {
        self.QueueUrl = QueueUrl
        self.ReceiptHandle = ReceiptHandle
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
