import Formats
import Foundation
import JSON
import ServiceSupport
import Storage
import Synchronization
import Wire

/// SNS: topics, subscriptions with filter policies and raw delivery, and fan-out — to SQS queues in the
/// publishing transaction, to Lambda functions and HTTP endpoints through a durable delivery table retried with
/// SNS's policies (Deliveries.swift).
extension Broker {
    static let protocols = ["sqs", "lambda", "http", "https"]
    static let settableTopicAttributes: Set<String> = [
        "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "TracingConfig", "SignatureVersion",
        "ContentBasedDeduplication", "FifoTopic", "ArchivePolicy", "DataProtectionPolicy",
    ]
    static let settableSubscriptionAttributes: Set<String> = [
        "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
        "SubscriptionRoleArn", "ReplayPolicy",
    ]

    struct TopicRecord {
        var arn: String
        var attributes: [String: String]
        var tags: [SNSTag]
    }

    struct SubscriptionRecord: Sendable {
        var arn: String
        var topicArn: String
        var protocolName: String
        var endpoint: String
        var attributes: [String: String]
        var confirmed: Bool
        var token: String?

        init(_ row: Row) {
            arn = row["arn"]
            topicArn = row["topic_arn"]
            protocolName = row["protocol"]
            endpoint = row["endpoint"]
            attributes = Broker.decodeMap(row["attributes"])
            confirmed = row["confirmed"]
            token = row["token"]
        }

        var isRaw: Bool { attributes["RawMessageDelivery"] == "true" }

        var filter: FilterPolicy? {
            guard let text = attributes["FilterPolicy"], !text.isEmpty else { return nil }
            let scope = FilterPolicy.Scope(rawValue: attributes["FilterPolicyScope"] ?? "") ?? .messageAttributes
            return try? FilterPolicy(text, scope: scope)
        }
    }

    func topic(_ arn: String, _ db: Database) throws -> TopicRecord {
        guard
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM topics WHERE arn = ?"), arguments: [arn])
        else {
            throw AWSError("NotFound", "Topic does not exist")
        }
        return TopicRecord(
            arn: arn, attributes: Self.decodeMap(row["attributes"]),
            tags: (try? WireCoding.decode([SNSTag].self, from: Array((row["tags"] as String).utf8))) ?? [])
    }

    /// That the topic exists, without reading its attributes and tags (every publication asks).
    func requireTopic(_ arn: String, _ db: Database) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM topics WHERE arn = ?"), arguments: [arn]) != nil
        else {
            throw AWSError("NotFound", "Topic does not exist")
        }
    }

    func subscription(_ arn: String, _ db: Database) throws -> SubscriptionRecord {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE arn = ?"), arguments: [arn])
        else {
            throw AWSError("NotFound", "Subscription does not exist")
        }
        return SubscriptionRecord(row)
    }

    static func account(ofArn arn: String) -> String {
        let parts = ARN.fields(arn)
        return parts.count > 4 ? String(parts[4]) : ""
    }

    // MARK: Topics

    public func createTopic(_ input: CreateTopicInput, scope: Scope? = nil) async throws -> TopicArnOutput {
        let scope = scope ?? ownScope
        let name = input.Name
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        guard (1...256).contains(name.count),
            base.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" })
        else {
            throw AWSError("InvalidParameter", "Invalid parameter: Topic Name")
        }
        let attributes = input.Attributes ?? [:]
        for key in attributes.keys where !Self.settableTopicAttributes.contains(key) {
            throw AWSError("InvalidParameter", "Invalid parameter: Attributes Reason: Unknown attribute \(key)")
        }
        let arn = topicArn(name, scope)
        let now = clock.now()
        let tags = String(decoding: WireCoding.encode(input.Tags ?? []), as: UTF8.self)
        try await database.write { db in
            try db.executeCached(
                sql: "INSERT OR IGNORE INTO topics (arn, name, attributes, tags, created) VALUES (?, ?, ?, ?, ?)",
                arguments: [arn, name, Self.encodeMap(attributes), tags, now])
        }
        return TopicArnOutput(TopicArn: arn)
    }

    /// Deletes a topic and its subscriptions; deleting one that does not exist succeeds, as on AWS.
    public func deleteTopic(_ arn: String) async throws {
        try await database.write { db in
            try db.executeCached(sql: "DELETE FROM topics WHERE arn = ?", arguments: [arn])
            try db.executeCached(sql: "DELETE FROM subscriptions WHERE topic_arn = ?", arguments: [arn])
        }
    }

    /// The caller's topics, a hundred a page, as AWS pages them.
    public func listTopics(_ input: ListTopicsInput, scope: Scope? = nil) async throws -> ListTopicsOutput {
        let scope = scope ?? ownScope
        let prefix = "arn:aws:sns:\(scope.region):\(scope.account):"
        let arns = try await database.read { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT arn FROM topics WHERE substr(arn, 1, ?) = ? ORDER BY arn"),
                arguments: [prefix.count, prefix])
        }
        let page = try PageToken.page(
            arns, after: input.NextToken, limit: 100, key: { $0 },
            invalid: AWSError("InvalidParameter", "Invalid parameter: NextToken"))
        return ListTopicsOutput(Topics: page.items.map(ListTopicsOutput.Topic.init), NextToken: page.nextToken)
    }

    public func getTopicAttributes(_ arn: String) async throws -> AttributesOutput {
        try await database.read { db in
            let topic = try self.topic(arn, db)
            let counts = try Row.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT SUM(confirmed) AS confirmed, SUM(1 - confirmed) AS pending FROM subscriptions WHERE topic_arn = ?"
                ),
                arguments: [arn])
            var attributes = topic.attributes
            attributes["TopicArn"] = arn
            attributes["Owner"] = Self.account(ofArn: arn)
            attributes["DisplayName"] = attributes["DisplayName"] ?? ""
            attributes["SubscriptionsConfirmed"] = String(counts?["confirmed"] as Int? ?? 0)
            attributes["SubscriptionsPending"] = String(counts?["pending"] as Int? ?? 0)
            attributes["SubscriptionsDeleted"] = "0"
            attributes["Policy"] = attributes["Policy"] ?? Self.defaultTopicPolicy(arn)
            attributes["EffectiveDeliveryPolicy"] = Self.defaultDeliveryPolicy
            if arn.hasSuffix(".fifo") {
                attributes["FifoTopic"] = "true"
                attributes["ContentBasedDeduplication"] = attributes["ContentBasedDeduplication"] ?? "false"
            }
            return AttributesOutput(Attributes: attributes)
        }
    }

    static func defaultTopicPolicy(_ arn: String) -> String {
        let account = account(ofArn: arn)
        return
            #"{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"\#(arn)","Condition":{"StringEquals":{"AWS:SourceOwner":"\#(account)"}}}]}"#
    }

    /// SNS's default for HTTP/S endpoints: three retries twenty seconds apart.
    static let defaultDeliveryPolicy =
        #"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}"#

    public func setTopicAttributes(_ input: SetTopicAttributesInput) async throws {
        guard Self.settableTopicAttributes.contains(input.AttributeName) else {
            throw AWSError("InvalidParameter", "Invalid parameter: AttributeName")
        }
        if input.AttributeName == "DeliveryPolicy", let value = input.AttributeValue, !value.isEmpty {
            guard (try? JSONValue.parse(value))?.objectValue != nil else {
                throw AWSError("InvalidParameter", "Invalid parameter: DeliveryPolicy: not a JSON object")
            }
        }
        try await database.write { db in
            var attributes = try self.topic(input.TopicArn, db).attributes
            attributes[input.AttributeName] = input.AttributeValue.flatMap { $0.isEmpty ? nil : $0 }
            try db.executeCached(
                sql: "UPDATE topics SET attributes = ? WHERE arn = ?",
                arguments: [Self.encodeMap(attributes), input.TopicArn])
        }
    }

    // MARK: Subscriptions

    /// Checks one subscription attribute as SetSubscriptionAttributes and Subscribe do.
    static func checkSubscriptionAttribute(_ name: String, _ value: String?, protocolName: String, scope: String?)
        throws(AWSError)
    {
        guard settableSubscriptionAttributes.contains(name) else {
            throw AWSError("InvalidParameter", "Invalid parameter: AttributeName")
        }
        switch name {
        case "RawMessageDelivery":
            guard value == "true" || value == "false" else {
                throw AWSError(
                    "InvalidParameter",
                    "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [\(value ?? "")]. Must be true or false."
                )
            }
            if value == "true", !["sqs", "http", "https", "firehose"].contains(protocolName) {
                throw AWSError(
                    "InvalidParameter",
                    "Invalid parameter: Attributes Reason: Delivery protocol [\(protocolName)] does not support raw message delivery."
                )
            }
        case "FilterPolicy":
            if let value, !value.isEmpty {
                _ = try FilterPolicy(value, scope: FilterPolicy.Scope(rawValue: scope ?? "") ?? .messageAttributes)
            }
        case "FilterPolicyScope":
            guard let value, FilterPolicy.Scope(rawValue: value) != nil else {
                throw AWSError(
                    "InvalidParameter",
                    "Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [\(value ?? "")]. Please use either MessageBody or MessageAttributes"
                )
            }
        case "DeliveryPolicy", "RedrivePolicy":
            if let value, !value.isEmpty, (try? JSONValue.parse(value))?.objectValue == nil {
                throw AWSError("InvalidParameter", "Invalid parameter: \(name): not a JSON object")
            }
        default:
            break
        }
    }

    /// Subscribes an endpoint. A queue or function subscription is confirmed at once; an HTTP/S endpoint is sent a
    /// SubscriptionConfirmation and gets nothing else until it confirms (its SubscriptionArn is then "pending
    /// confirmation" unless ReturnSubscriptionArn asks for the ARN).
    public func subscribe(_ input: SubscribeInput) async throws -> SubscribeOutput {
        let protocolName = input.Protocol.lowercased()
        guard Self.protocols.contains(protocolName) else {
            throw AWSError(
                "InvalidParameter",
                "Invalid parameter: Amazon SNS supports \(Self.protocols.joined(separator: ", ")) subscriptions in callbacksim"
            )
        }
        guard let endpoint = input.Endpoint, !endpoint.isEmpty else {
            throw AWSError("InvalidParameter", "Invalid parameter: Endpoint")
        }
        if protocolName.hasPrefix("http"), !endpoint.lowercased().hasPrefix(protocolName + "://") {
            throw AWSError("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol")
        }
        let attributes = input.Attributes ?? [:]
        for (name, value) in attributes {
            try Self.checkSubscriptionAttribute(
                name, value, protocolName: protocolName, scope: attributes["FilterPolicyScope"])
        }
        let now = clock.now()
        let (arn, confirmed) = try await database.write { db -> (String, Bool) in
            let topic = try self.topic(input.TopicArn, db)
            if protocolName == "sqs" { _ = try self.queue(arn: endpoint, db) }
            if let existing = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT * FROM subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?"),
                arguments: [topic.arn, protocolName, endpoint])
            {
                let record = SubscriptionRecord(existing)
                return (record.arn, record.confirmed)
            }
            let arn = "\(topic.arn):\(self.random.uuid())"
            let needsConfirmation = protocolName.hasPrefix("http")
            let token = needsConfirmation ? self.confirmationToken() : nil
            try db.executeCached(
                sql: """
                    INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes, confirmed, token)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    arn, topic.arn, protocolName, endpoint, Self.encodeMap(attributes), !needsConfirmation, token,
                ])
            if let token {
                try self.scheduleConfirmation(
                    topicArn: topic.arn, subscriptionArn: arn, endpoint: endpoint, token: token, now: now, db)
            }
            return (arn, !needsConfirmation)
        }
        if !confirmed && input.ReturnSubscriptionArn != true {
            return SubscribeOutput(SubscriptionArn: "pending confirmation")
        }
        return SubscribeOutput(SubscriptionArn: arn)
    }

    func confirmationToken() -> String {
        random.bytes(32).map { String(format: "%02x", $0) }.joined()
    }

    /// ConfirmSubscription, or the endpoint fetching its SubscribeURL (a GET of the same action at the gateway).
    public func confirmSubscription(_ input: ConfirmSubscriptionInput) async throws -> SubscribeOutput {
        try await database.write { db in
            _ = try self.topic(input.TopicArn, db)
            guard
                let arn = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT arn FROM subscriptions WHERE topic_arn = ? AND token = ?"),
                    arguments: [input.TopicArn, input.Token])
            else {
                throw AWSError("InvalidParameter", "Invalid parameter: Token")
            }
            try db.executeCached(sql: "UPDATE subscriptions SET confirmed = 1 WHERE arn = ?", arguments: [arn])
            return SubscribeOutput(SubscriptionArn: arn)
        }
    }

    public func unsubscribe(_ arn: String) async throws {
        guard arn.hasPrefix("arn:") else { throw AWSError("InvalidParameter", "Invalid parameter: SubscriptionArn") }
        try await database.write { db in
            _ = try self.subscription(arn, db)
            try db.executeCached(sql: "DELETE FROM subscriptions WHERE arn = ?", arguments: [arn])
            try db.executeCached(sql: "DELETE FROM deliveries WHERE subscription_arn = ?", arguments: [arn])
        }
    }

    func subscriptionItems(_ sql: String, _ arguments: StatementArguments, after token: String?) async throws
        -> ListSubscriptionsOutput
    {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(SubscriptionRecord.init)
        }
        let page = try PageToken.page(
            rows, after: token, limit: 100, key: \.arn,
            invalid: AWSError("InvalidParameter", "Invalid parameter: NextToken"))
        return ListSubscriptionsOutput(
            Subscriptions: page.items.map {
                SubscriptionItem(
                    SubscriptionArn: $0.confirmed ? $0.arn : "PendingConfirmation",
                    Owner: Self.account(ofArn: $0.topicArn),
                    Protocol: $0.protocolName, Endpoint: $0.endpoint, TopicArn: $0.topicArn)
            }, NextToken: page.nextToken)
    }

    public func listSubscriptions(_ input: ListTopicsInput, scope: Scope? = nil) async throws -> ListSubscriptionsOutput
    {
        let scope = scope ?? ownScope
        let prefix = "arn:aws:sns:\(scope.region):\(scope.account):"
        return try await subscriptionItems(
            "SELECT * FROM subscriptions WHERE substr(topic_arn, 1, ?) = ? ORDER BY arn", [prefix.count, prefix],
            after: input.NextToken)
    }

    public func listSubscriptions(byTopic input: ListSubscriptionsByTopicInput) async throws -> ListSubscriptionsOutput
    {
        _ = try await database.read { db in try self.topic(input.TopicArn, db) }
        return try await subscriptionItems(
            "SELECT * FROM subscriptions WHERE topic_arn = ? ORDER BY arn", [input.TopicArn], after: input.NextToken)
    }

    public func getSubscriptionAttributes(_ arn: String) async throws -> AttributesOutput {
        try await database.read { db in
            let record = try self.subscription(arn, db)
            var attributes = record.attributes
            attributes["SubscriptionArn"] = record.arn
            attributes["TopicArn"] = record.topicArn
            attributes["Owner"] = Self.account(ofArn: record.topicArn)
            attributes["Protocol"] = record.protocolName
            attributes["Endpoint"] = record.endpoint
            attributes["ConfirmationWasAuthenticated"] = record.confirmed ? "true" : "false"
            attributes["PendingConfirmation"] = record.confirmed ? "false" : "true"
            attributes["RawMessageDelivery"] = record.isRaw ? "true" : "false"
            if attributes["FilterPolicy"] != nil {
                attributes["FilterPolicyScope"] = attributes["FilterPolicyScope"] ?? "MessageAttributes"
            }
            attributes["EffectiveDeliveryPolicy"] = Self.defaultDeliveryPolicy
            return AttributesOutput(Attributes: attributes)
        }
    }

    public func setSubscriptionAttributes(_ input: SetSubscriptionAttributesInput) async throws {
        try await database.write { db in
            var record = try self.subscription(input.SubscriptionArn, db)
            let scope =
                input.AttributeName == "FilterPolicyScope"
                ? input.AttributeValue : record.attributes["FilterPolicyScope"]
            try Self.checkSubscriptionAttribute(
                input.AttributeName, input.AttributeValue, protocolName: record.protocolName, scope: scope)
            if input.AttributeName == "FilterPolicyScope", let policy = record.attributes["FilterPolicy"] {
                _ = try FilterPolicy(
                    policy, scope: FilterPolicy.Scope(rawValue: input.AttributeValue ?? "") ?? .messageAttributes)
            }
            record.attributes[input.AttributeName] = input.AttributeValue.flatMap { $0.isEmpty ? nil : $0 }
            try db.executeCached(
                sql: "UPDATE subscriptions SET attributes = ? WHERE arn = ?",
                arguments: [Self.encodeMap(record.attributes), record.arn])
        }
    }

    // MARK: Tags

    func changeTopicTags(_ arn: String, _ change: @Sendable @escaping (inout [SNSTag]) -> Void) async throws {
        try await database.write { db in
            guard
                let text = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT tags FROM topics WHERE arn = ?"), arguments: [arn])
            else {
                throw AWSError("ResourceNotFound", "Resource does not exist")
            }
            var tags = (try? WireCoding.decode([SNSTag].self, from: Array(text.utf8))) ?? []
            change(&tags)
            guard tags.count <= 50 else {
                throw AWSError("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
            }
            try db.executeCached(
                sql: "UPDATE topics SET tags = ? WHERE arn = ?",
                arguments: [String(decoding: WireCoding.encode(tags), as: UTF8.self), arn])
        }
    }

    public func tagResource(_ input: SNSTagResourceInput) async throws {
        try await changeTopicTags(input.ResourceArn) { tags in
            for tag in input.Tags {
                tags.removeAll { $0.Key == tag.Key }
                tags.append(tag)
            }
        }
    }

    public func untagResource(_ input: SNSUntagResourceInput) async throws {
        try await changeTopicTags(input.ResourceArn) { tags in tags.removeAll { input.TagKeys.contains($0.Key) } }
    }

    public func listTagsForResource(_ arn: String) async throws -> SNSTagsOutput {
        try await database.read { db in
            guard
                let text = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT tags FROM topics WHERE arn = ?"), arguments: [arn])
            else {
                throw AWSError("ResourceNotFound", "Resource does not exist")
            }
            return SNSTagsOutput(Tags: (try? WireCoding.decode([SNSTag].self, from: Array(text.utf8))) ?? [])
        }
    }

    // MARK: Publish

    /// What a Publish or PublishBatch entry carries.
    struct Publication: Sendable {
        var message: String
        var subject: String?
        var structure: String?
        var attributes: [String: SNSMessageAttribute]?
        var groupId: String?
        var deduplicationId: String?

        init(_ input: PublishInput) {
            message = input.Message
            subject = input.Subject
            structure = input.MessageStructure
            attributes = input.MessageAttributes
            groupId = input.MessageGroupId
            deduplicationId = input.MessageDeduplicationId
        }

        init(_ entry: PublishBatchInput.Entry) {
            message = entry.Message
            subject = entry.Subject
            structure = entry.MessageStructure
            attributes = entry.MessageAttributes
            groupId = entry.MessageGroupId
            deduplicationId = entry.MessageDeduplicationId
        }

        /// The checks Publish makes before the topic is looked at.
        func check() throws(AWSError) -> [String: String]? {
            guard !message.isEmpty else { throw AWSError("InvalidParameter", "Invalid parameter: Empty message") }
            guard message.utf8.count <= Broker.snsMessageLimit else {
                throw AWSError("InvalidParameter", "Invalid parameter: Message too long")
            }
            if let subject, subject.count > 100 || subject.isEmpty {
                throw AWSError("InvalidParameter", "Invalid parameter: Subject")
            }
            guard (attributes?.count ?? 0) <= 10 else {
                throw AWSError(
                    "InvalidParameter", "Invalid parameter: MessageAttributes: Number of message attributes exceeds 10")
            }
            guard structure == "json" else { return nil }
            guard case .object(let byProtocol) = (try? JSONValue.parse(message)) ?? .null,
                byProtocol["default"]?.stringValue != nil
            else {
                throw AWSError(
                    "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
            }
            return Dictionary(
                uniqueKeysWithValues: byProtocol.compactMap { key, value in value.stringValue.map { (key, $0) } })
        }
    }

    public func publish(_ input: PublishInput, idempotencyKey: String?) async throws -> [UInt8] {
        guard let topic = input.TopicArn ?? input.TargetArn else {
            throw AWSError(
                "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
        }
        let publication = Publication(input)
        let byProtocol = try publication.check()
        let now = clock.now()
        return try await database.write { db in
            try self.idempotent(idempotencyKey, db) {
                let messageId = try self.fanOut(publication, byProtocol: byProtocol, to: topic, now: now, db)
                return WireCoding.encode(PublishOutput(MessageId: messageId))
            }
        }
    }

    /// Up to ten messages; an entry that is refused fails alone, inside an HTTP 200.
    public func publishBatch(_ input: PublishBatchInput, idempotencyKey: String?) async throws -> [UInt8] {
        try Self.checkBatch(input.PublishBatchRequestEntries.map(\.Id))
        let total = input.PublishBatchRequestEntries.reduce(0) { $0 + $1.Message.utf8.count }
        guard total <= Self.snsMessageLimit else {
            throw AWSError(
                "BatchRequestTooLong", "The length of all the messages put together is more than the limit.")
        }
        let now = clock.now()
        return try await database.write { db in
            try self.idempotent(idempotencyKey, db) {
                try self.requireTopic(input.TopicArn, db)
                var output = PublishBatchOutput(Successful: [], Failed: [])
                for entry in input.PublishBatchRequestEntries {
                    do {
                        let publication = Publication(entry)
                        let byProtocol = try publication.check()
                        let messageId = try self.fanOut(
                            publication, byProtocol: byProtocol, to: input.TopicArn, now: now, db)
                        output.Successful.append(.init(Id: entry.Id, MessageId: messageId))
                    } catch let error as AWSError {
                        output.Failed.append(
                            BatchResultErrorEntry(Id: entry.Id, Code: error.type, Message: error.message))
                    }
                }
                return WireCoding.encode(output)
            }
        }
    }

    /// Delivers one message to every confirmed subscription whose filter accepts it: onto SQS queues now, and
    /// into the delivery table for functions and HTTP endpoints. Returns the message's id.
    func fanOut(
        _ publication: Publication, byProtocol: [String: String]?, to topicArn: String, now: Double, _ db: Database
    ) throws -> String {
        try requireTopic(topicArn, db)
        let messageId = random.uuid()
        let subscriptions = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE topic_arn = ? AND confirmed = 1"),
            arguments: [topicArn]
        ).map(SubscriptionRecord.init)
        for subscription in subscriptions {
            let message = byProtocol.map { $0[subscription.protocolName] ?? $0["default"] ?? "" } ?? publication.message
            if let filter = subscription.filter,
                !filter.accepts(attributes: publication.attributes, message: message)
            {
                continue
            }
            let notification = self.notification(
                messageId: messageId, topicArn: topicArn, subject: publication.subject, message: message,
                attributes: publication.attributes, subscriptionArn: subscription.arn, now: now)
            switch subscription.protocolName {
            case "sqs":
                // Raw delivery passes the message and its attributes as the SQS message's own.
                let attributes =
                    subscription.isRaw
                    ? publication.attributes?.mapValues {
                        MessageAttributeValue(
                            DataType: $0.DataType, StringValue: $0.StringValue, BinaryValue: $0.BinaryValue)
                    } : nil
                _ = try enqueue(
                    try queue(arn: subscription.endpoint, db),
                    body: subscription.isRaw ? message : notification.sqsEnvelope.serialized(), attributes: attributes,
                    delay: nil, groupId: publication.groupId, deduplicationId: publication.deduplicationId, now: now, db
                )
            case "lambda":
                let functionName = String(
                    subscription.endpoint.split(separator: ":").last ?? Substring(subscription.endpoint))
                try scheduleDelivery(
                    kind: "lambda", subscriptionArn: subscription.arn, target: functionName,
                    payload: notification.lambdaEvent.serialized(), headers: nil, policy: nil, db)
            default:
                let headers: JSONValue = [
                    "x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": .string(messageId),
                    "x-amz-sns-topic-arn": .string(topicArn), "x-amz-sns-subscription-arn": .string(subscription.arn),
                ]
                try scheduleDelivery(
                    kind: "http", subscriptionArn: subscription.arn, target: subscription.endpoint,
                    payload: subscription.isRaw ? message : notification.sqsEnvelope.serialized(), headers: headers,
                    policy: HTTPRetryPolicy(subscription.attributes["DeliveryPolicy"]), db)
            }
        }
        return messageId
    }

    /// A notification as SNS delivers it: in the envelope SQS queues and HTTP endpoints get, or in the event a
    /// Lambda function gets. Each is built only for a subscription that takes it.
    struct Notification {
        let messageId: String
        let topicArn: String
        let subject: String?
        let message: String
        let timestamp: String
        let attributes: JSONObject
        let subscriptionArn: String
        let signingUrl: String
        let unsubscribeUrl: String

        var sqsEnvelope: JSONValue {
            var envelope = JSONObject()
            envelope["Type"] = "Notification"
            envelope["MessageId"] = .string(messageId)
            envelope["TopicArn"] = .string(topicArn)
            if let subject { envelope["Subject"] = .string(subject) }
            envelope["Message"] = .string(message)
            envelope["Timestamp"] = .string(timestamp)
            envelope["SignatureVersion"] = "1"
            envelope["Signature"] = "callbacksim-unsigned"
            envelope["SigningCertURL"] = .string(signingUrl)
            envelope["UnsubscribeURL"] = .string(unsubscribeUrl)
            if !attributes.isEmpty { envelope["MessageAttributes"] = .object(attributes) }
            return .object(envelope)
        }

        var lambdaEvent: JSONValue {
            var sns = JSONObject()
            sns["Type"] = "Notification"
            sns["MessageId"] = .string(messageId)
            sns["TopicArn"] = .string(topicArn)
            sns["Subject"] = subject.map(JSONValue.string) ?? .null
            sns["Message"] = .string(message)
            sns["Timestamp"] = .string(timestamp)
            sns["SignatureVersion"] = "1"
            sns["Signature"] = "callbacksim-unsigned"
            sns["SigningCertUrl"] = .string(signingUrl)
            sns["UnsubscribeUrl"] = .string(unsubscribeUrl)
            sns["MessageAttributes"] = .object(attributes)
            let record: JSONValue = [
                "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": .string(subscriptionArn),
                "Sns": .object(sns),
            ]
            return ["Records": [record]]
        }
    }

    func notification(
        messageId: String, topicArn: String, subject: String?, message: String,
        attributes: [String: SNSMessageAttribute]?, subscriptionArn: String, now: Double
    ) -> Notification {
        var attributeObject = JSONObject()
        for (name, value) in (attributes ?? [:]).sorted(by: { $0.key < $1.key }) {
            attributeObject[name] = [
                "Type": .string(value.DataType), "Value": .string(value.StringValue ?? value.BinaryValue ?? ""),
            ]
        }
        let region = topicArn.split(separator: ":").dropFirst(3).first.map(String.init) ?? self.region
        return Notification(
            messageId: messageId, topicArn: topicArn, subject: subject, message: message,
            timestamp: Timestamp.format(Date(timeIntervalSince1970: now)), attributes: attributeObject,
            subscriptionArn: subscriptionArn,
            signingUrl: "https://sns.\(region).amazonaws.com/SimpleNotificationService-callbacksim.pem",
            unsubscribeUrl: "\(gatewayUrl)/?Action=Unsubscribe&SubscriptionArn=\(subscriptionArn)")
    }

    /// The SubscriptionConfirmation an HTTP/S endpoint is sent, whose SubscribeURL confirms at the gateway.
    func scheduleConfirmation(
        topicArn: String, subscriptionArn: String, endpoint: String, token: String, now: Double, _ db: Database
    ) throws {
        let messageId = random.uuid()
        let query = "Action=ConfirmSubscription&TopicArn=\(Self.formEncode(topicArn))&Token=\(token)"
        var body = JSONObject()
        body["Type"] = "SubscriptionConfirmation"
        body["MessageId"] = .string(messageId)
        body["Token"] = .string(token)
        body["TopicArn"] = .string(topicArn)
        body["Message"] = .string(
            "You have chosen to subscribe to the topic \(topicArn).\nTo confirm the subscription, visit the SubscribeURL included in this message."
        )
        body["SubscribeURL"] = .string("\(gatewayUrl)/?\(query)")
        body["Timestamp"] = .string(Timestamp.format(Date(timeIntervalSince1970: now)))
        body["SignatureVersion"] = "1"
        body["Signature"] = "callbacksim-unsigned"
        body["SigningCertURL"] = "https://sns.amazonaws.com/SimpleNotificationService-callbacksim.pem"
        let headers: JSONValue = [
            "x-amz-sns-message-type": "SubscriptionConfirmation", "x-amz-sns-message-id": .string(messageId),
            "x-amz-sns-topic-arn": .string(topicArn),
        ]
        try scheduleDelivery(
            kind: "http", subscriptionArn: subscriptionArn, target: endpoint,
            payload: JSONValue.object(body).serialized(),
            headers: headers, policy: HTTPRetryPolicy(nil), db)
    }

    static func formEncode(_ text: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
