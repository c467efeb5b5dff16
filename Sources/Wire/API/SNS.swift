import JSON

// Request and response shapes of the Amazon SNS API.

public enum SNS {
    public static let createTopic = APIOperation<CreateTopicInput, TopicArnOutput>(.sns, "CreateTopic")
    public static let listTopics = APIOperation<ListTopicsInput, ListTopicsOutput>(.sns, "ListTopics")
    public static let subscribe = APIOperation<SubscribeInput, SubscribeOutput>(.sns, "Subscribe")
    public static let listSubscriptionsByTopic = APIOperation<ListSubscriptionsByTopicInput, ListSubscriptionsOutput>(
        .sns, "ListSubscriptionsByTopic")
    public static let publish = APIOperation<PublishInput, PublishOutput>(.sns, "Publish")
}

extension Control {
    /// How many notifications still wait to reach a subscribed function.
    public static let getDeliveryBacklog = APIOperation<EmptyOutput, DeliveryBacklogOutput>(
        .control, "GetDeliveryBacklog")
}

public struct DeliveryBacklogOutput: Codable, Sendable {
    public var pending: Int
    public init(pending: Int) { self.pending = pending }
}

public struct CreateTopicInput: Codable, Sendable {
    public var Name: String
    public var Attributes: [String: String]?
    public init(Name: String, Attributes: [String: String]? = nil) {
        self.Name = Name
        self.Attributes = Attributes
    }
}

public struct TopicArnOutput: Codable, Sendable {
    public var TopicArn: String
    public init(TopicArn: String) { self.TopicArn = TopicArn }
}

public struct ListTopicsInput: Codable, Sendable {
    public var NextToken: String?
    public init(NextToken: String? = nil) { self.NextToken = NextToken }
}

public struct ListTopicsOutput: Codable, Sendable {
    public struct Topic: Codable, Sendable {
        public var TopicArn: String
        public init(TopicArn: String) { self.TopicArn = TopicArn }
    }
    public var Topics: [Topic]
    public var NextToken: String?
    public init(Topics: [Topic], NextToken: String? = nil) {
        self.Topics = Topics
        self.NextToken = NextToken
    }
}

public struct SubscribeInput: Codable, Sendable {
    public var TopicArn: String
    public var `Protocol`: String
    public var Endpoint: String
    public var Attributes: [String: String]?
    public init(TopicArn: String, Protocol: String, Endpoint: String, Attributes: [String: String]? = nil) {
        self.TopicArn = TopicArn
        self.Protocol = Protocol
        self.Endpoint = Endpoint
        self.Attributes = Attributes
    }
}

public struct SubscribeOutput: Codable, Sendable {
    public var SubscriptionArn: String
    public init(SubscriptionArn: String) { self.SubscriptionArn = SubscriptionArn }
}

public struct ListSubscriptionsByTopicInput: Codable, Sendable {
    public var TopicArn: String
    public init(TopicArn: String) { self.TopicArn = TopicArn }
}

public struct SubscriptionItem: Codable, Sendable {
    public var SubscriptionArn: String
    public var TopicArn: String
    public var `Protocol`: String
    public var Endpoint: String
    public init(SubscriptionArn: String, TopicArn: String, Protocol: String, Endpoint: String) {
        self.SubscriptionArn = SubscriptionArn
        self.TopicArn = TopicArn
        self.Protocol = Protocol
        self.Endpoint = Endpoint
    }
}

public struct ListSubscriptionsOutput: Codable, Sendable {
    public var Subscriptions: [SubscriptionItem]
    public init(Subscriptions: [SubscriptionItem]) { self.Subscriptions = Subscriptions }
}

public struct SNSMessageAttribute: Codable, Sendable, Equatable {
    public var DataType: String
    public var StringValue: String?
    public var BinaryValue: String?
    public init(DataType: String, StringValue: String? = nil, BinaryValue: String? = nil) {
        self.DataType = DataType
        self.StringValue = StringValue
        self.BinaryValue = BinaryValue
    }
}

public struct PublishInput: Codable, Sendable {
    public var TopicArn: String?
    public var TargetArn: String?
    public var Message: String
    public var Subject: String?
    public var MessageAttributes: [String: SNSMessageAttribute]?
    public var MessageGroupId: String?
    public var MessageDeduplicationId: String?
    public init(
        TopicArn: String, Message: String, Subject: String? = nil,
        MessageAttributes: [String: SNSMessageAttribute]? = nil
    ) {
        self.TopicArn = TopicArn
        self.Message = Message
        self.Subject = Subject
        self.MessageAttributes = MessageAttributes
    }
}

public struct PublishOutput: Codable, Sendable {
    public var MessageId: String
    public var SequenceNumber: String?
    public init(MessageId: String, SequenceNumber: String? = nil) {
        self.MessageId = MessageId
        self.SequenceNumber = SequenceNumber
    }
}
