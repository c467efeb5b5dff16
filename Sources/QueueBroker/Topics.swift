import Foundation
import JSON
import ServiceSupport
import StatesLanguage
import Storage
import Synchronization
import Wire

/// SNS: topics, subscriptions, and fan-out to SQS queues (in the publishing transaction) and to Lambda functions
/// (through a durable delivery table, retried with SNS's policy for AWS-managed endpoints).
extension Broker {
    public func createTopic(_ input: CreateTopicInput, scope: Scope? = nil) async throws -> TopicArnOutput {
        let scope = scope ?? ownScope
        let name = input.Name
        guard (1...256).contains(name.count),
            name.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == "."
            })
        else {
            throw AWSError("InvalidParameter", "Invalid parameter: Topic Name")
        }
        let arn = topicArn(name, scope)
        let attributes = String(decoding: try JSONEncoder().encode(input.Attributes ?? [:]), as: UTF8.self)
        let now = clock.now()
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO topics (arn, name, attributes, created) VALUES (?, ?, ?, ?)",
                arguments: [arn, name, attributes, now])
        }
        return TopicArnOutput(TopicArn: arn)
    }

    public func deliveryBacklog() async throws -> DeliveryBacklogOutput {
        DeliveryBacklogOutput(
            pending: try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries") ?? 0 }
        )
    }

    /// The caller's topics, a hundred a page, as AWS pages them.
    public func listTopics(_ input: ListTopicsInput, scope: Scope? = nil) async throws -> ListTopicsOutput {
        let scope = scope ?? ownScope
        let prefix = "arn:aws:sns:\(scope.region):\(scope.account):"
        let arns = try await database.read { db in
            try String.fetchAll(
                db, sql: "SELECT arn FROM topics WHERE substr(arn, 1, ?) = ? ORDER BY arn",
                arguments: [prefix.count, prefix])
        }
        let page = try PageToken.page(
            arns, after: input.NextToken, limit: 100, key: { $0 },
            invalid: AWSError("InvalidParameter", "Invalid parameter: NextToken"))
        return ListTopicsOutput(Topics: page.items.map(ListTopicsOutput.Topic.init), NextToken: page.nextToken)
    }

    public func subscribe(_ input: SubscribeInput) async throws -> SubscribeOutput {
        guard ["sqs", "lambda"].contains(input.Protocol) else {
            throw AWSError(
                "InvalidParameter",
                "Invalid parameter: Amazon SNS supports only sqs and lambda subscriptions in callbacksim")
        }
        let attributes = String(decoding: try JSONEncoder().encode(input.Attributes ?? [:]), as: UTF8.self)
        return try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM topics WHERE arn = ?", arguments: [input.TopicArn]) ?? false
            else {
                throw AWSError("NotFound", "Topic does not exist")
            }
            if input.Protocol == "sqs" {
                _ = try self.queue(arn: input.Endpoint, db)
            }
            if let existing = try String.fetchOne(
                db, sql: "SELECT arn FROM subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?",
                arguments: [input.TopicArn, input.Protocol, input.Endpoint])
            {
                return SubscribeOutput(SubscriptionArn: existing)
            }
            let arn = "\(input.TopicArn):\(UUID().uuidString.lowercased())"
            try db.execute(
                sql:
                    "INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes) VALUES (?, ?, ?, ?, ?)",
                arguments: [arn, input.TopicArn, input.Protocol, input.Endpoint, attributes])
            return SubscribeOutput(SubscriptionArn: arn)
        }
    }

    public func listSubscriptions(topicArn: String) async throws -> ListSubscriptionsOutput {
        let items = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT arn, topic_arn, protocol, endpoint FROM subscriptions WHERE topic_arn = ? ORDER BY arn",
                arguments: [topicArn]
            ).map {
                SubscriptionItem(
                    SubscriptionArn: $0["arn"], TopicArn: $0["topic_arn"], Protocol: $0["protocol"],
                    Endpoint: $0["endpoint"])
            }
        }
        return ListSubscriptionsOutput(Subscriptions: items)
    }

    public func publish(_ input: PublishInput, idempotencyKey: String?) async throws -> [UInt8] {
        guard let topic = input.TopicArn ?? input.TargetArn else {
            throw AWSError(
                "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
        }
        guard !input.Message.isEmpty else {
            throw AWSError("InvalidParameter", "Invalid parameter: Empty message")
        }
        guard input.Message.utf8.count <= Self.snsMessageLimit else {
            throw AWSError("InvalidParameter", "Invalid parameter: Message too long")
        }
        if let subject = input.Subject, subject.count > 100 || subject.isEmpty {
            throw AWSError("InvalidParameter", "Invalid parameter: Subject")
        }
        let now = clock.now()
        let (reply, touchedQueues): ([UInt8], [String]) = try await database.write { db in
            var touchedQueues: [String] = []
            let reply = try self.idempotent(idempotencyKey, db) {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM topics WHERE arn = ?", arguments: [topic]) ?? false
                else {
                    throw AWSError("NotFound", "Topic does not exist")
                }
                let messageId = UUID().uuidString.lowercased()
                let subscriptions = try Row.fetchAll(
                    db, sql: "SELECT arn, protocol, endpoint, attributes FROM subscriptions WHERE topic_arn = ?",
                    arguments: [topic])
                for subscription in subscriptions {
                    let arn: String = subscription["arn"]
                    let endpoint: String = subscription["endpoint"]
                    let notification = self.notification(
                        messageId: messageId, topicArn: topic, subject: input.Subject, message: input.Message,
                        attributes: input.MessageAttributes, subscriptionArn: arn, now: now)
                    switch subscription["protocol"] as String {
                    case "sqs":
                        let raw = (subscription["attributes"] as String).contains("\"RawMessageDelivery\":\"true\"")
                        _ = try self.enqueue(
                            try self.queue(arn: endpoint, db),
                            body: raw ? input.Message : notification.sqsEnvelope.serialized(), attributes: nil,
                            delay: nil, groupId: input.MessageGroupId, deduplicationId: input.MessageDeduplicationId,
                            now: now, db)
                        touchedQueues.append(endpoint)
                    default:
                        let functionName = String(endpoint.split(separator: ":").last ?? Substring(endpoint))
                        try db.execute(
                            sql:
                                "INSERT INTO deliveries (subscription_arn, function_name, payload, next_attempt) VALUES (?, ?, ?, 0)",
                            arguments: [arn, functionName, notification.lambdaEvent.serialized()])
                    }
                }
                return WireCoding.encode(PublishOutput(MessageId: messageId))
            }
            return (reply, touchedQueues)
        }
        for queue in touchedQueues { arrivalSignal(queue).signal() }
        deliveryWakeup.signal()
        return reply
    }

    struct Notification {
        let sqsEnvelope: JSONValue
        let lambdaEvent: JSONValue
    }

    func notification(
        messageId: String, topicArn: String, subject: String?, message: String,
        attributes: [String: SNSMessageAttribute]?, subscriptionArn: String, now: Double
    ) -> Notification {
        let timestamp = Timestamp.format(Date(timeIntervalSince1970: now))
        var attributeObject = JSONObject()
        for (name, value) in attributes ?? [:] {
            attributeObject[name] = [
                "Type": .string(value.DataType), "Value": .string(value.StringValue ?? value.BinaryValue ?? ""),
            ]
        }
        let signingUrl = "https://sns.\(region).amazonaws.com/SimpleNotificationService-callbacksim.pem"
        let unsubscribeUrl =
            "https://sns.\(region).amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(subscriptionArn)"
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
        if !attributeObject.isEmpty { envelope["MessageAttributes"] = .object(attributeObject) }

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
        sns["MessageAttributes"] = .object(attributeObject)
        let record: JSONValue = [
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": .string(subscriptionArn),
            "Sns": .object(sns),
        ]
        return Notification(sqsEnvelope: .object(envelope), lambdaEvent: ["Records": [record]])
    }

    /// SNS's retry policy for AWS-managed endpoints: 3 immediate tries, 2 one second apart, 10 backing off
    /// from 1 to 20 seconds, then every 20 seconds (100,015 tries in all).
    static func deliveryRetryDelay(afterFailures failures: Int) -> Double? {
        switch failures {
        case 0..<3: return 0
        case 3..<5: return 1
        case 5..<15: return min(20, pow(2, Double(failures - 5)))
        case 15..<100_015: return 20
        default: return nil
        }
    }

    /// Pushes notifications to subscribed functions until cancelled. `functions` maps function names to clients.
    public func runDeliveries(functions: [String: WireClient], maxConcurrent: Int = 64) async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let now = clock.now()
                let due =
                    (try? await database.read { db in
                        try Row.fetchAll(
                            db,
                            sql:
                                "SELECT id, subscription_arn, function_name, payload, attempts FROM deliveries WHERE next_attempt <= ? ORDER BY id LIMIT 256",
                            arguments: [now]
                        ).map {
                            (
                                $0["id"] as Int64, $0["function_name"] as String, $0["payload"] as String,
                                $0["attempts"] as Int
                            )
                        }
                    }) ?? []
                for (id, functionName, payload, attempts) in due {
                    guard deliveriesInFlight.withLock({ $0.count < maxConcurrent && $0.insert(id).inserted }) else {
                        continue
                    }
                    group.addTask {
                        defer {
                            self.deliveriesInFlight.withLock { _ = $0.remove(id) }
                            self.deliveryWakeup.signal()
                        }
                        await self.deliver(
                            id: id, to: functions[functionName], functionName: functionName, payload: payload,
                            attempts: attempts)
                    }
                }
                let next = try? await database.read { db in
                    try Double.fetchOne(
                        db, sql: "SELECT MIN(next_attempt) FROM deliveries WHERE next_attempt > ?", arguments: [now])
                }
                let wait = min(max((next.flatMap { $0 } ?? .infinity) - clock.now(), 0.001), 1.0)
                await deliveryWakeup.wait(timeout: .seconds(wait))
            }
        }
    }

    private func deliver(id: Int64, to client: WireClient?, functionName: String, payload: String, attempts: Int) async
    {
        var delivered = false
        if let client, let event = try? JSONValue.parse(payload) {
            do {
                let request = InvokeInput(FunctionName: functionName, Payload: event, InvocationType: "Event")
                let reply = try await client.call(
                    Lambda.invoke, request, timeout: .seconds(5), idempotencyKey: "sns-delivery-\(id)")
                delivered = reply.FunctionError == nil
            } catch {
                logger.debug("delivery \(id) to \(functionName) failed: \(error)")
            }
        } else if client == nil {
            logger.warning("no endpoint for function \(functionName); delivery \(id) waits")
        }
        let now = clock.now()
        if delivered {
            _ = try? await database.write { db in
                try db.execute(sql: "DELETE FROM deliveries WHERE id = ?", arguments: [id])
            }
        } else if let delay = Self.deliveryRetryDelay(afterFailures: attempts + 1) {
            _ = try? await database.write { db in
                try db.execute(
                    sql: "UPDATE deliveries SET attempts = attempts + 1, next_attempt = ? WHERE id = ?",
                    arguments: [now + delay, id])
            }
        } else {
            logger.error("delivery \(id) to \(functionName) dropped after exhausting SNS's retry policy")
            _ = try? await database.write { db in
                try db.execute(sql: "DELETE FROM deliveries WHERE id = ?", arguments: [id])
            }
        }
    }
}
