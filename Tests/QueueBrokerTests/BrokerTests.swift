import Formats
import Foundation
import JSON
import Logging
import SeededRandom
import ServiceSupport
import Testing
import Wire

@testable import QueueBroker

struct BrokerFixture {
    let clock = ManualWallClock()
    let broker: Broker

    init(random: any RandomSource = SystemRandomSource()) throws {
        broker = Broker(
            database: try Broker.inMemoryDatabase(), clock: clock, logger: Logger(label: "test"), random: random)
    }

    @discardableResult
    func queue(_ name: String, _ attributes: [String: String]? = nil) async throws -> String {
        try await broker.createQueue(CreateQueueInput(QueueName: name, Attributes: attributes)).QueueUrl
    }

    @discardableResult
    func send(_ url: String, _ body: String, group: String? = nil, dedup: String? = nil, key: String? = nil)
        async throws -> SendMessageOutput
    {
        try WireCoding.decode(
            SendMessageOutput.self,
            from: try await broker.sendMessage(
                SendMessageInput(
                    QueueUrl: url, MessageBody: body, MessageDeduplicationId: dedup, MessageGroupId: group),
                idempotencyKey: key))
    }

    func receive(_ url: String, max: Int = 10, wait: Int = 0, attributes: [String] = ["All"]) async throws
        -> [SQSMessage]
    {
        try await broker.receiveMessage(
            ReceiveMessageInput(
                QueueUrl: url, MaxNumberOfMessages: max, WaitTimeSeconds: wait, MessageSystemAttributeNames: ["All"],
                MessageAttributeNames: attributes)
        ).received
    }
}

func expectBrokerError(_ type: String, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(type)")
    } catch let error as AWSError {
        #expect(error.type == type, "\(error)")
    } catch {
        Issue.record("expected \(type), got \(error)")
    }
}

@Suite struct SQSTests {
    /// A simulation's seed must name everything the same way on every run: message ids and receipt handles come
    /// from the source the broker is given, not from the system.
    @Test func aSeededBrokerNamesMessagesAndReceiptsTheSameEveryRun() async throws {
        func run(seed: UInt64) async throws -> [String] {
            let fixture = try BrokerFixture(random: SeededRandomSource(seed: seed))
            let url = try await fixture.queue("q")
            let sent = try await fixture.send(url, "a")
            let received = try await fixture.receive(url)
            return [sent.MessageId, received.first?.ReceiptHandle ?? ""]
        }
        let first = try await run(seed: 42)
        #expect(try await run(seed: 42) == first)
        let other = try await run(seed: 43)
        #expect(other[0] != first[0] && other[1] != first[1])
        #expect(
            first[0].range(
                of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
                options: .regularExpression) != nil)
    }

    @Test func md5MatchesTheKnownDigest() {
        #expect(HexDigest.md5("hello") == "5d41402abc4b2a76b9719d911017c592")
        #expect(HexDigest.md5("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(HexDigest.md5(String(repeating: "a", count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }

    /// The digest SQS gives for this attribute (the value moto's tests pin against AWS).
    @Test func messageAttributesCarrySQSsDigestWhenSentAndReceived() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let attributes = ["timestamp": MessageAttributeValue(DataType: "Number", StringValue: "1493147359900")]
        let sent = try WireCoding.decode(
            SendMessageOutput.self,
            from: try await fixture.broker.sendMessage(
                SendMessageInput(QueueUrl: url, MessageBody: "x", MessageAttributes: attributes), idempotencyKey: nil))
        #expect(sent.MD5OfMessageAttributes == "235c5c510d26fb653d073faed50ae77c")
        let received = try #require(try await fixture.receive(url).first)
        #expect(received.MessageAttributes == attributes)
        #expect(received.MD5OfMessageAttributes == "235c5c510d26fb653d073faed50ae77c")
        #expect(try await fixture.send(url, "no attributes").MD5OfMessageAttributes == nil)
    }

    @Test func aReceivedMessageIsInvisibleUntilItsTimeoutThenComesBackWithAHigherCount() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let sent = try await fixture.send(url, "hello")
        #expect(sent.MD5OfMessageBody == "5d41402abc4b2a76b9719d911017c592")
        let first = try #require(try await fixture.receive(url).first)
        #expect(first.MessageId == sent.MessageId)
        #expect(first.Attributes?["ApproximateReceiveCount"] == "1")
        #expect(try await fixture.receive(url).isEmpty)
        fixture.clock.advance(by: 30)
        let second = try #require(try await fixture.receive(url).first)
        #expect(second.Attributes?["ApproximateReceiveCount"] == "2")
        #expect(second.ReceiptHandle != first.ReceiptHandle)
        try await fixture.broker.deleteMessage(DeleteMessageInput(QueueUrl: url, ReceiptHandle: second.ReceiptHandle))
        fixture.clock.advance(by: 60)
        #expect(try await fixture.receive(url).isEmpty)
    }

    @Test func afterMaxReceiveCountTheMessageMovesToTheDeadLetterQueue() async throws {
        let fixture = try BrokerFixture()
        let dlq = try await fixture.queue("dlq")
        let url = try await fixture.queue(
            "work",
            ["RedrivePolicy": #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1}"#])
        let sent = try await fixture.send(url, "job")
        #expect(try await fixture.receive(url).count == 1)
        fixture.clock.advance(by: 31)
        #expect(try await fixture.receive(url).isEmpty)
        let moved = try #require(try await fixture.receive(dlq).first)
        #expect(moved.MessageId == sent.MessageId)
        #expect(moved.Attributes?["DeadLetterQueueSourceArn"] == "arn:aws:sqs:us-east-1:000000000000:work")
    }

    @Test func aRedrivePolicyMustNameAnExistingQueue() async throws {
        let fixture = try BrokerFixture()
        await expectBrokerError("InvalidParameterValue") {
            try await fixture.queue(
                "work",
                [
                    "RedrivePolicy":
                        #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:none","maxReceiveCount":1}"#
                ])
        }
        await expectBrokerError("InvalidAttributeValue") {
            try await fixture.queue("w2", ["VisibilityTimeout": "99999"])
        }
        await expectBrokerError("InvalidAttributeName") { try await fixture.queue("w3", ["Bogus": "1"]) }
        await expectBrokerError("InvalidParameterValue") { try await fixture.queue("bad name") }
        try await fixture.queue("same", ["DelaySeconds": "1"])
        try await fixture.queue("same", ["DelaySeconds": "1"])
        await expectBrokerError("QueueNameExists") { try await fixture.queue("same", ["DelaySeconds": "2"]) }
    }

    @Test func badRequestsGetSQSErrors() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        await expectBrokerError("QueueDoesNotExist") { try await fixture.send(url + "x", "a") }
        await expectBrokerError("MissingParameter") { try await fixture.send(url, "") }
        await expectBrokerError("InvalidMessageContents") { try await fixture.send(url, "bad \u{01} char") }
        await expectBrokerError("InvalidParameterValue") {
            try await fixture.send(url, String(repeating: "x", count: 1_048_577))
        }
        await expectBrokerError("InvalidParameterValue") { _ = try await fixture.receive(url, max: 11) }
        await expectBrokerError("ReceiptHandleIsInvalid") {
            try await fixture.broker.deleteMessage(DeleteMessageInput(QueueUrl: url, ReceiptHandle: "garbage"))
        }
        try await fixture.send(url, "a")
        let message = try #require(try await fixture.receive(url).first)
        try await fixture.broker.changeMessageVisibility(
            ChangeMessageVisibilityInput(QueueUrl: url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0))
        await expectBrokerError("MessageNotInflight") {
            try await fixture.broker.changeMessageVisibility(
                ChangeMessageVisibilityInput(QueueUrl: url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 5))
        }
    }

    @Test func aRetriedSendWithTheSameIdempotencyKeyEnqueuesOnce() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let first = try await fixture.send(url, "a", key: "k1")
        let again = try await fixture.send(url, "a", key: "k1")
        #expect(first.MessageId == again.MessageId)
        #expect(try await fixture.receive(url).count == 1)
    }

    @Test func fifoGroupsDeliverInOrderOneInFlightAtATimeAndDeduplicate() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("jobs.fifo")
        await expectBrokerError("MissingParameter") { try await fixture.send(url, "x", dedup: "d") }
        await expectBrokerError("InvalidParameterValue") { try await fixture.send(url, "x", group: "g") }
        let a1 = try await fixture.send(url, "a1", group: "a", dedup: "1")
        let duplicate = try await fixture.send(url, "a1 again", group: "a", dedup: "1")
        #expect(duplicate.MessageId == a1.MessageId)
        try await fixture.send(url, "a2", group: "a", dedup: "2")
        try await fixture.send(url, "b1", group: "b", dedup: "3")
        let batch = try await fixture.receive(url, max: 10)
        #expect(batch.map(\.Body) == ["a1", "a2", "b1"])
        // While group a's messages are in flight, nothing more of a is handed out.
        try await fixture.send(url, "a3", group: "a", dedup: "4")
        #expect(try await fixture.receive(url).isEmpty)
        for message in batch {
            try await fixture.broker.deleteMessage(
                DeleteMessageInput(QueueUrl: url, ReceiptHandle: message.ReceiptHandle))
        }
        #expect(try await fixture.receive(url).map(\.Body) == ["a3"])
    }

    @Test func aLongPollReturnsAsSoonAsAMessageArrives() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let started = ContinuousClock.now
        async let received = fixture.receive(url, wait: 20)
        try await Task.sleep(for: .milliseconds(100))
        try await fixture.send(url, "late")
        #expect(try await received.map(\.Body) == ["late"])
        // Long before the poll's 20 s: a loaded machine has taken 4 s to get here, a poll that ignored the
        // message would take 20.
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// One message wakes one of the long polls waiting on its queue (the longest waiting: a poll that looked
    /// again after its 0.2 s queues up anew); the others wait on without taking the writer, and the next message
    /// goes to one of them.
    @Test func aMessageWakesOneLongPollNotEvery() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let writes = { fixture.broker.database.groupStatistics.writes }
        func waitForWrites(_ count: Int) async throws {
            for _ in 0..<1_000 where writes() < count { try await Task.sleep(for: .milliseconds(10)) }
            // Past its first look (a write), a poll waits for a signal a moment later.
            try await Task.sleep(for: .milliseconds(100))
        }
        let atStart = writes()
        let polls = (0..<2).map { _ in Task { try await fixture.receive(url, wait: 20).map(\.Body) } }
        try await waitForWrites(atStart + 2)
        try await fixture.send(url, "one")
        try await waitForWrites(atStart + 4)
        try await Task.sleep(for: .milliseconds(500))
        #expect(writes() == atStart + 4, "the two first looks, the send, and the one poll it woke; not the other")
        try await fixture.send(url, "two")
        var bodies: [[String]] = []
        for poll in polls { bodies.append(try await poll.value) }
        #expect(bodies.sorted { $0.first ?? "" < $1.first ?? "" } == [["one"], ["two"]])
    }

    /// A long poll looks again every 0.2 s for what no send announces (a message whose visibility timeout ran
    /// out), and on an idle queue those looks only read: the writer is not taken until there is a message.
    @Test func aLongPollsRelooksReadUntilAMessageComesBackFromFlight() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        try await fixture.send(url, "again")
        let first = try #require(try await fixture.receive(url).first)
        let writesBefore = fixture.broker.database.groupStatistics.writes
        async let received = fixture.receive(url, wait: 20)
        try await Task.sleep(for: .seconds(1))
        #expect(
            fixture.broker.database.groupStatistics.writes == writesBefore + 1,
            "only the poll's first look takes the writer")
        fixture.clock.advance(by: 30)
        let again = try await received
        #expect(again.map(\.MessageId) == [first.MessageId])
        #expect(again.first?.Attributes?["ApproximateReceiveCount"] == "2")
    }
}

@Suite struct SNSTests {
    @Test func publishFansOutToQueuesAndFunctions() async throws {
        let fixture = try BrokerFixture()
        let topic = try await fixture.broker.createTopic(CreateTopicInput(Name: "t")).TopicArn
        let url = try await fixture.queue("inbox")
        let raw = try await fixture.queue("raw")
        _ = try await fixture.broker.subscribe(
            SubscribeInput(TopicArn: topic, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:000000000000:inbox"))
        _ = try await fixture.broker.subscribe(
            SubscribeInput(
                TopicArn: topic, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:000000000000:raw",
                Attributes: ["RawMessageDelivery": "true"]))
        let lambda = try await fixture.broker.subscribe(
            SubscribeInput(
                TopicArn: topic, Protocol: "lambda", Endpoint: "arn:aws:lambda:us-east-1:000000000000:function:Logger"))
        let again = try await fixture.broker.subscribe(
            SubscribeInput(
                TopicArn: topic, Protocol: "lambda", Endpoint: "arn:aws:lambda:us-east-1:000000000000:function:Logger"))
        #expect(lambda.SubscriptionArn == again.SubscriptionArn)

        let reply = try await fixture.broker.publish(
            PublishInput(TopicArn: topic, Message: #"{"status":200}"#, Subject: "s"), idempotencyKey: nil)
        let messageId = try WireCoding.decode(PublishOutput.self, from: reply).MessageId
        let envelope = try JSONValue.parse(try #require(try await fixture.receive(url).first).Body)
        #expect(envelope["Type"] == "Notification")
        #expect(envelope["MessageId"] == .string(messageId))
        #expect(envelope["TopicArn"] == .string(topic))
        #expect(envelope["Message"] == #"{"status":200}"#)
        #expect(envelope["Subject"] == "s")
        #expect(try await fixture.receive(raw).first?.Body == #"{"status":200}"#)
        let pending = try await fixture.broker.database.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM deliveries")
        }
        let event = try JSONValue.parse(try #require(pending.first))
        #expect(event["Records"]?.arrayValue?.first?["Sns"]?["MessageId"] == .string(messageId))
        #expect(event["Records"]?.arrayValue?.first?["EventSource"] == "aws:sns")
    }

    @Test func publishingToAMissingTopicIsNotFound() async throws {
        let fixture = try BrokerFixture()
        await expectBrokerError("NotFound") {
            _ = try await fixture.broker.publish(
                PublishInput(TopicArn: "arn:aws:sns:us-east-1:000000000000:none", Message: "m"), idempotencyKey: nil)
        }
        let topic = try await fixture.broker.createTopic(CreateTopicInput(Name: "t")).TopicArn
        await expectBrokerError("InvalidParameter") {
            _ = try await fixture.broker.publish(
                PublishInput(TopicArn: topic, Message: String(repeating: "m", count: 262_145)), idempotencyKey: nil)
        }
    }

    @Test func theRetryScheduleIsSNSsPolicyForManagedEndpoints() {
        let delays = (1...20).compactMap { Broker.deliveryRetryDelay(afterFailures: $0) }
        #expect(Array(delays.prefix(4)) == [0, 0, 1, 1])
        #expect(delays.max() == 20)
        #expect(Broker.deliveryRetryDelay(afterFailures: 100_015) == nil)
    }
}
