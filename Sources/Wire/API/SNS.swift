import JSON

// Request and response shapes of the Amazon SNS API, member names as AWS's model has them (the gateway writes
// them as the query protocol's XML).

public enum SNS {
    public static let createTopic = APIOperation<CreateTopicInput, TopicArnOutput>(.sns, "CreateTopic")
    public static let deleteTopic = APIOperation<TopicArnOutput, EmptyOutput>(.sns, "DeleteTopic")
    public static let listTopics = APIOperation<ListTopicsInput, ListTopicsOutput>(.sns, "ListTopics")
    public static let getTopicAttributes = APIOperation<TopicArnOutput, AttributesOutput>(.sns, "GetTopicAttributes")
    public static let setTopicAttributes = APIOperation<SetTopicAttributesInput, EmptyOutput>(
        .sns, "SetTopicAttributes")
    public static let subscribe = APIOperation<SubscribeInput, SubscribeOutput>(.sns, "Subscribe")
    public static let confirmSubscription = APIOperation<ConfirmSubscriptionInput, SubscribeOutput>(
        .sns, "ConfirmSubscription")
    public static let unsubscribe = APIOperation<SubscribeOutput, EmptyOutput>(.sns, "Unsubscribe")
    public static let listSubscriptions = APIOperation<ListTopicsInput, ListSubscriptionsOutput>(
        .sns, "ListSubscriptions")
    public static let listSubscriptionsByTopic = APIOperation<ListSubscriptionsByTopicInput, ListSubscriptionsOutput>(
        .sns, "ListSubscriptionsByTopic")
    public static let getSubscriptionAttributes = APIOperation<SubscribeOutput, AttributesOutput>(
        .sns, "GetSubscriptionAttributes")
    public static let setSubscriptionAttributes = APIOperation<SetSubscriptionAttributesInput, EmptyOutput>(
        .sns, "SetSubscriptionAttributes")
    public static let publish = APIOperation<PublishInput, PublishOutput>(.sns, "Publish")
    public static let publishBatch = APIOperation<PublishBatchInput, PublishBatchOutput>(.sns, "PublishBatch")
    public static let tagResource = APIOperation<SNSTagResourceInput, EmptyOutput>(.sns, "TagResource")
    public static let untagResource = APIOperation<SNSUntagResourceInput, EmptyOutput>(.sns, "UntagResource")
    public static let listTagsForResource = APIOperation<SNSResourceArnInput, SNSTagsOutput>(
        .sns, "ListTagsForResource")
}

extension Control {
    /// How many notifications still wait to reach a subscribed function or endpoint.
    public static let getDeliveryBacklog = APIOperation<EmptyOutput, DeliveryBacklogOutput>(
        .control, "GetDeliveryBacklog")
}

public struct DeliveryBacklogOutput: Codable, Sendable {
    public var pending: Int
    public init(pending: Int) { self.pending = pending }
}

public struct SNSTag: Codable, Sendable, Equatable {
    public var Key: String
    public var Value: String
    public init(Key: String, Value: String) {
        self.Key = Key
        self.Value = Value
    }
}

public struct CreateTopicInput: Codable, Sendable {
    public var Name: String
    public var Attributes: [String: String]?
    public var Tags: [SNSTag]?
    public init(Name: String, Attributes: [String: String]? = nil, Tags: [SNSTag]? = nil) {
        self.Name = Name
        self.Attributes = Attributes
        self.Tags = Tags
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

public struct AttributesOutput: Codable, Sendable {
    public var Attributes: [String: String]
    public init(Attributes: [String: String]) { self.Attributes = Attributes }
}

public struct SetTopicAttributesInput: Codable, Sendable {
    public var TopicArn: String
    public var AttributeName: String
    public var AttributeValue: String?
    public init(TopicArn: String, AttributeName: String, AttributeValue: String?) {
        self.TopicArn = TopicArn
        self.AttributeName = AttributeName
        self.AttributeValue = AttributeValue
    }
}

public struct SetSubscriptionAttributesInput: Codable, Sendable {
    public var SubscriptionArn: String
    public var AttributeName: String
    public var AttributeValue: String?
    public init(SubscriptionArn: String, AttributeName: String, AttributeValue: String?) {
        self.SubscriptionArn = SubscriptionArn
        self.AttributeName = AttributeName
        self.AttributeValue = AttributeValue
    }
}

public struct SubscribeInput: Codable, Sendable {
    public var TopicArn: String
    public var `Protocol`: String
    public var Endpoint: String?
    public var Attributes: [String: String]?
    public var ReturnSubscriptionArn: Bool?
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

public struct ConfirmSubscriptionInput: Codable, Sendable {
    public var TopicArn: String
    public var Token: String
    public var AuthenticateOnUnsubscribe: String?
    public init(TopicArn: String, Token: String) {
        self.TopicArn = TopicArn
        self.Token = Token
    }
}

public struct ListSubscriptionsByTopicInput: Codable, Sendable {
    public var TopicArn: String
    public var NextToken: String?
    public init(TopicArn: String, NextToken: String? = nil) {
        self.TopicArn = TopicArn
        self.NextToken = NextToken
    }
}

public struct SubscriptionItem: Codable, Sendable {
    public var SubscriptionArn: String
    public var Owner: String?
    public var `Protocol`: String
    public var Endpoint: String
    public var TopicArn: String
    public init(SubscriptionArn: String, Owner: String?, Protocol: String, Endpoint: String, TopicArn: String) {
        self.SubscriptionArn = SubscriptionArn
        self.Owner = Owner
        self.Protocol = Protocol
        self.Endpoint = Endpoint
        self.TopicArn = TopicArn
    }
}

public struct ListSubscriptionsOutput: Codable, Sendable {
    public var Subscriptions: [SubscriptionItem]
    public var NextToken: String?
    public init(Subscriptions: [SubscriptionItem], NextToken: String? = nil) {
        self.Subscriptions = Subscriptions
        self.NextToken = NextToken
    }
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
    public var MessageStructure: String?
    public var MessageAttributes: [String: SNSMessageAttribute]?
    public var MessageDeduplicationId: String?
    public var MessageGroupId: String?
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

public struct PublishBatchInput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var Message: String
        public var Subject: String?
        public var MessageStructure: String?
        public var MessageAttributes: [String: SNSMessageAttribute]?
        public var MessageDeduplicationId: String?
        public var MessageGroupId: String?
        public init(Id: String, Message: String) {
            self.Id = Id
            self.Message = Message
        }
    }
    public var TopicArn: String
    public var PublishBatchRequestEntries: [Entry]
    public init(TopicArn: String, PublishBatchRequestEntries: [Entry]) {
        self.TopicArn = TopicArn
        self.PublishBatchRequestEntries = PublishBatchRequestEntries
    }
}

public struct PublishBatchOutput: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var Id: String
        public var MessageId: String
        public var SequenceNumber: String?
        public init(Id: String, MessageId: String, SequenceNumber: String? = nil) {
            self.Id = Id
            self.MessageId = MessageId
            self.SequenceNumber = SequenceNumber
        }
    }
    public var Successful: [Entry]
    public var Failed: [BatchResultErrorEntry]
    public init(Successful: [Entry], Failed: [BatchResultErrorEntry]) {
        self.Successful = Successful
        self.Failed = Failed
    }
}

public struct SNSResourceArnInput: Codable, Sendable {
    public var ResourceArn: String
    public init(ResourceArn: String) { self.ResourceArn = ResourceArn }
}

public struct SNSTagResourceInput: Codable, Sendable {
    public var ResourceArn: String
    public var Tags: [SNSTag]
    public init(ResourceArn: String, Tags: [SNSTag]) {
        self.ResourceArn = ResourceArn
        self.Tags = Tags
    }
}

public struct SNSUntagResourceInput: Codable, Sendable {
    public var ResourceArn: String
    public var TagKeys: [String]
    public init(ResourceArn: String, TagKeys: [String]) {
        self.ResourceArn = ResourceArn
        self.TagKeys = TagKeys
    }
}

public struct SNSTagsOutput: Codable, Sendable {
    public var Tags: [SNSTag]
    public init(Tags: [SNSTag]) { self.Tags = Tags }
}
