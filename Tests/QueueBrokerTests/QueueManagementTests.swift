import Formats
import Foundation
import JSON
import Testing
import Wire

@testable import QueueBroker

/// SQS's queue management and batch operations, on the broker core with an in-memory database.
@Suite struct QueueManagementTests {
    @Test func queuesAreRegionalAndPerAccount() async throws {
        let fixture = try BrokerFixture()
        let broker = fixture.broker
        let ireland = Scope(region: "eu-west-1", account: "111122223333")
        let url = try await broker.createQueue(CreateQueueInput(QueueName: "orders"), scope: ireland).QueueUrl
        #expect(url == "http://localhost:4566/111122223333/orders")
        // The same name elsewhere is another queue; the default scope does not see Ireland's.
        try await fixture.queue("orders")
        _ = try await broker.sendMessage(
            SendMessageInput(QueueUrl: url, MessageBody: "for ireland"), scope: ireland, idempotencyKey: nil)
        #expect(try await fixture.receive("http://localhost:4566/000000000000/orders").isEmpty)
        let irish = try await broker.receiveMessage(
            ReceiveMessageInput(QueueUrl: url, MaxNumberOfMessages: 10), scope: ireland
        ).received
        #expect(irish.map(\.Body) == ["for ireland"])
        #expect(try await broker.listQueues(ListQueuesInput(), scope: ireland).QueueUrls == [url])
        // An AWS-style URL names its region in the host.
        let awsStyle = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders"
        let attributes = try await broker.getQueueAttributes(
            GetQueueAttributesInput(QueueUrl: awsStyle, AttributeNames: ["QueueArn"]))
        #expect(attributes.Attributes == ["QueueArn": "arn:aws:sqs:eu-west-1:111122223333:orders"])
    }

    @Test func setQueueAttributesChangesAndValidates() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        try await fixture.broker.setQueueAttributes(
            SetQueueAttributesInput(QueueUrl: url, Attributes: ["VisibilityTimeout": "7", "DelaySeconds": "2"]))
        let attributes = try #require(
            try await fixture.broker.getQueueAttributes(GetQueueAttributesInput(QueueUrl: url, AttributeNames: ["All"]))
                .Attributes)
        #expect(attributes["VisibilityTimeout"] == "7" && attributes["DelaySeconds"] == "2")
        await expectBrokerError("InvalidAttributeValue") {
            try await fixture.broker.setQueueAttributes(
                SetQueueAttributesInput(QueueUrl: url, Attributes: ["VisibilityTimeout": "99999"]))
        }
        await expectBrokerError("InvalidAttributeName") {
            try await fixture.broker.setQueueAttributes(
                SetQueueAttributesInput(QueueUrl: url, Attributes: ["Nope": "1"]))
        }
        await expectBrokerError("InvalidAttributeName") {
            _ = try await fixture.broker.getQueueAttributes(
                GetQueueAttributesInput(QueueUrl: url, AttributeNames: ["Nope"]))
        }
        // A redrive policy must name an existing queue of the same kind.
        let policy = #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:missing","maxReceiveCount":2}"#
        await expectBrokerError("InvalidParameterValue") {
            try await fixture.broker.setQueueAttributes(
                SetQueueAttributesInput(QueueUrl: url, Attributes: ["RedrivePolicy": policy]))
        }
    }

    /// Idempotency keys last an hour of real time: a workflow clock running fast (two hours passing here) does
    /// not let an outbox's retry after a broker restart send the message twice.
    @Test func idempotencyKeysOutlastAFastWorkflowClock() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("q")
        let first = try await fixture.send(url, "m", key: "execution#task-1")
        fixture.clock.advance(by: 7_200)
        try await fixture.broker.runHousekeepingOnce()
        let retried = try await fixture.send(url, "m", key: "execution#task-1")
        #expect(retried.MessageId == first.MessageId)
        #expect(try await fixture.receive(url).count == 1)
    }

    @Test func aDeletedQueueIsGoneAndItsNameRestsForSixtySeconds() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("gone")
        try await fixture.send(url, "m")
        try await fixture.broker.deleteQueue(url)
        await expectBrokerError("QueueDoesNotExist") { _ = try await fixture.receive(url) }
        await expectBrokerError("QueueDeletedRecently") { try await fixture.queue("gone") }
        fixture.clock.advance(by: 61)
        try await fixture.broker.runHousekeepingOnce()
        try await fixture.queue("gone")
        #expect(try await fixture.receive(url).isEmpty, "the old messages went with the old queue")
    }

    @Test func listQueuesFiltersByPrefixAndPagesOnlyWhenAsked() async throws {
        let fixture = try BrokerFixture()
        for name in ["a-1", "a-2", "a-3", "b-1"] { try await fixture.queue(name) }
        let all = try await fixture.broker.listQueues(ListQueuesInput())
        #expect(all.QueueUrls?.count == 4 && all.NextToken == nil)
        let first = try await fixture.broker.listQueues(ListQueuesInput(QueueNamePrefix: "a-", MaxResults: 2))
        #expect(first.QueueUrls?.map { $0.components(separatedBy: "/").last! } == ["a-1", "a-2"])
        let second = try await fixture.broker.listQueues(
            ListQueuesInput(QueueNamePrefix: "a-", NextToken: first.NextToken, MaxResults: 2))
        #expect(second.QueueUrls?.map { $0.components(separatedBy: "/").last! } == ["a-3"])
        #expect(second.NextToken == nil)
        #expect(try await fixture.broker.listQueues(ListQueuesInput(QueueNamePrefix: "z")).QueueUrls == nil)
    }

    @Test func batchesSucceedOrFailEntryByEntry() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("batch")
        let reply = try WireCoding.decode(
            SendMessageBatchOutput.self,
            from: try await fixture.broker.sendMessageBatch(
                SendMessageBatchInput(
                    QueueUrl: url,
                    Entries: [
                        .init(Id: "one", MessageBody: "1"), .init(Id: "bad", MessageBody: "2", DelaySeconds: 901),
                        .init(Id: "three", MessageBody: "3"),
                    ]), idempotencyKey: nil))
        #expect(reply.Successful.map(\.Id) == ["one", "three"])
        #expect(reply.Failed.map(\.Id) == ["bad"] && reply.Failed.first?.Code == "InvalidParameterValue")
        #expect(reply.Successful.first?.MD5OfMessageBody == HexDigest.md5("1"))
        let received = try await fixture.receive(url)
        #expect(Set(received.map(\.Body)) == ["1", "3"])
        let deleted = try await fixture.broker.deleteMessageBatch(
            DeleteMessageBatchInput(
                QueueUrl: url,
                Entries: [
                    .init(Id: "a", ReceiptHandle: received[0].ReceiptHandle), .init(Id: "b", ReceiptHandle: "junk"),
                ]))
        #expect(deleted.Successful == [.init(Id: "a")] && deleted.Failed.first?.Code == "ReceiptHandleIsInvalid")
        let changed = try await fixture.broker.changeMessageVisibilityBatch(
            ChangeMessageVisibilityBatchInput(
                QueueUrl: url, Entries: [.init(Id: "c", ReceiptHandle: received[1].ReceiptHandle, VisibilityTimeout: 0)]
            ))
        #expect(changed.Successful == [.init(Id: "c")])
        #expect(try await fixture.receive(url).map(\.Body) == [received[1].Body])
        await expectBrokerError("BatchEntryIdsNotDistinct") {
            _ = try await fixture.broker.deleteMessageBatch(
                DeleteMessageBatchInput(
                    QueueUrl: url, Entries: [.init(Id: "x", ReceiptHandle: "h"), .init(Id: "x", ReceiptHandle: "h")]))
        }
        await expectBrokerError("EmptyBatchRequest") {
            _ = try await fixture.broker.sendMessageBatch(
                SendMessageBatchInput(QueueUrl: url, Entries: []), idempotencyKey: nil)
        }
        await expectBrokerError("TooManyEntriesInBatchRequest") {
            _ = try await fixture.broker.sendMessageBatch(
                SendMessageBatchInput(QueueUrl: url, Entries: (0..<11).map { .init(Id: "e\($0)", MessageBody: "x") }),
                idempotencyKey: nil)
        }
        await expectBrokerError("InvalidBatchEntryId") {
            _ = try await fixture.broker.sendMessageBatch(
                SendMessageBatchInput(QueueUrl: url, Entries: [.init(Id: "no spaces", MessageBody: "x")]),
                idempotencyKey: nil)
        }
    }

    @Test func receiveReturnsOnlyTheMessageAttributesAskedFor() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.queue("attributes")
        let attributes: [String: MessageAttributeValue] = [
            "trace.id": .init(DataType: "String", StringValue: "t"),
            "trace.span": .init(DataType: "String", StringValue: "s"),
            "other": .init(DataType: "Number", StringValue: "1"),
        ]
        for _ in 0..<3 {
            _ = try await fixture.broker.sendMessage(
                SendMessageInput(QueueUrl: url, MessageBody: "m", MessageAttributes: attributes), idempotencyKey: nil)
        }
        let none = try #require(try await fixture.receive(url, max: 1, attributes: []).first)
        #expect(none.MessageAttributes == nil && none.MD5OfMessageAttributes == nil)
        let prefixed = try #require(try await fixture.receive(url, max: 1, attributes: ["trace.*"]).first)
        #expect(Set(prefixed.MessageAttributes?.keys.map { $0 } ?? []) == ["trace.id", "trace.span"])
        #expect(prefixed.MD5OfMessageAttributes == Broker.md5(of: prefixed.MessageAttributes))
        let all = try #require(try await fixture.receive(url, max: 1, attributes: [".*"]).first)
        #expect(all.MessageAttributes == attributes)
    }

    @Test func deadLetterSourcesAndARedriveBackToThem() async throws {
        let fixture = try BrokerFixture()
        let dlq = try await fixture.queue("dlq")
        let dlqArn = "arn:aws:sqs:us-east-1:000000000000:dlq"
        let work = try await fixture.queue(
            "work",
            ["RedrivePolicy": #"{"deadLetterTargetArn":"\#(dlqArn)","maxReceiveCount":1}"#, "VisibilityTimeout": "1"])
        let sources = try await fixture.broker.listDeadLetterSourceQueues(
            ListDeadLetterSourceQueuesInput(QueueUrl: dlq))
        #expect(sources.queueUrls == [work])
        for body in ["a", "b", "c"] { try await fixture.send(work, body) }
        #expect(try await fixture.receive(work).count == 3)
        fixture.clock.advance(by: 2)
        #expect(try await fixture.receive(work).isEmpty, "past maxReceiveCount they moved to the DLQ")
        let moving = try await fixture.broker.startMessageMoveTask(StartMessageMoveTaskInput(SourceArn: dlqArn))
        await expectBrokerError("UnsupportedOperation") {
            _ = try await fixture.broker.startMessageMoveTask(StartMessageMoveTaskInput(SourceArn: dlqArn))
        }
        try await fixture.broker.moveStep(handle: moving.TaskHandle, source: dlqArn, destination: nil, count: 2)
        let running = try await fixture.broker.listMessageMoveTasks(ListMessageMoveTasksInput(SourceArn: dlqArn))
        #expect(
            running.Results.first?.Status == "RUNNING" && running.Results.first?.ApproximateNumberOfMessagesMoved == 2)
        try await fixture.broker.moveStep(handle: moving.TaskHandle, source: dlqArn, destination: nil, count: 2)
        let done = try await fixture.broker.listMessageMoveTasks(ListMessageMoveTasksInput(SourceArn: dlqArn))
        #expect(done.Results.first?.Status == "COMPLETED" && done.Results.first?.TaskHandle == nil)
        #expect(done.Results.first?.ApproximateNumberOfMessagesMoved == 3)
        let back = try await fixture.receive(work)
        #expect(Set(back.map(\.Body)) == ["a", "b", "c"])
        #expect(back.allSatisfy { $0.Attributes?["ApproximateReceiveCount"] == "1" })
        await expectBrokerError("ResourceNotFoundException") {
            _ = try await fixture.broker.cancelMessageMoveTask(
                CancelMessageMoveTaskInput(TaskHandle: moving.TaskHandle))
        }
        await expectBrokerError("InvalidParameterValue") {
            _ = try await fixture.broker.startMessageMoveTask(
                StartMessageMoveTaskInput(SourceArn: "arn:aws:sqs:us-east-1:000000000000:work"))
        }
    }

    /// Queue records are remembered between operations: each change is seen by the very next operation, a change
    /// that fails leaves the record as it was, and a deleted queue is gone at once.
    @Test func everyQueueChangeIsSeenByTheNextOperation() async throws {
        let fixture = try BrokerFixture()
        let broker = fixture.broker
        let url = try await fixture.queue("remembered")
        func attribute(_ name: String) async throws -> String? {
            try await broker.getQueueAttributes(GetQueueAttributesInput(QueueUrl: url, AttributeNames: [name]))
                .Attributes?[name]
        }
        #expect(try await attribute("VisibilityTimeout") == "30")
        try await broker.setQueueAttributes(
            SetQueueAttributesInput(QueueUrl: url, Attributes: ["VisibilityTimeout": "7"]))
        #expect(try await attribute("VisibilityTimeout") == "7")
        await expectBrokerError("InvalidAttributeValue") {
            try await broker.setQueueAttributes(
                SetQueueAttributesInput(QueueUrl: url, Attributes: ["VisibilityTimeout": "99999"]))
        }
        #expect(try await attribute("VisibilityTimeout") == "7")
        #expect(try await broker.listQueueTags(url).Tags == nil)
        try await broker.tagQueue(TagQueueInput(QueueUrl: url, Tags: ["env": "test"]))
        #expect(try await broker.listQueueTags(url).Tags == ["env": "test"])
        try await fixture.send(url, "before the purge")
        try await broker.purgeQueue(url)
        await expectBrokerError("PurgeQueueInProgress") { try await broker.purgeQueue(url) }
        #expect(try await fixture.receive(url).isEmpty)
        try await broker.deleteQueue(url)
        await expectBrokerError("QueueDoesNotExist") { _ = try await attribute("VisibilityTimeout") }
        await expectBrokerError("QueueDoesNotExist") { try await fixture.send(url, "after") }
        fixture.clock.advance(by: 61)
        try await broker.runHousekeepingOnce()
        try await fixture.queue("remembered", ["VisibilityTimeout": "9"])
        #expect(try await attribute("VisibilityTimeout") == "9")
        #expect(try await broker.listQueueTags(url).Tags == nil)
    }

    /// A record read before a change began or ended (by a reader on another connection) is not remembered after
    /// it: it may be what the change replaced.
    @Test func aRecordReadAcrossAChangeIsNotRemembered() throws {
        let records = Broker.QueueRecords()
        let record = Broker.QueueRecord(
            id: 1, address: QueueAddress(region: "us-east-1", account: "000000000000", name: "q"), attributes: [:],
            created: 0, modified: 0, purged: nil, tags: [:])
        let before = records.generation
        records.changeBegins()
        records.remember(record, readIn: records.generation)
        #expect(records[record.arn] == nil, "nothing is remembered while a change runs")
        records.changeEnds()
        records.remember(record, readIn: before)
        #expect(records[record.arn] == nil, "read before the change")
        records.remember(record, readIn: records.generation)
        #expect(records[record.arn]?.id == 1)
    }

    /// Every URL form SDKs and emulators use names the queue: the region from AWS's hosts or LocalStack's path,
    /// the account from the path when it is one, else the caller's.
    @Test(arguments: [
        ("http://localhost:4566/000000000000/orders", "us-east-1", "000000000000", "orders"),
        ("https://sqs.eu-west-1.amazonaws.com/111122223333/orders.fifo", "eu-west-1", "111122223333", "orders.fifo"),
        ("https://ap-south-1.queue.amazonaws.com/111122223333/q", "ap-south-1", "111122223333", "q"),
        ("http://localhost:4566/queue/eu-central-1/111122223333/q", "eu-central-1", "111122223333", "q"),
        ("localhost:4566/12345/q", "us-east-1", "999999999999", "q"),
        ("http://host/q", "us-east-1", "999999999999", "q"),
    ])
    func queueURLsNameTheirQueue(_ url: String, _ region: String, _ account: String, _ name: String) throws {
        let address = try QueueAddress(url: url, scope: Scope(region: "us-east-1", account: "999999999999"))
        #expect(address == QueueAddress(region: region, account: account, name: name))
    }

    @Test func aURLWithoutAQueueNameIsRefused() {
        for url in ["http://localhost:4566/", "", "http://localhost:4566"] {
            #expect(throws: AWSError.self) {
                try QueueAddress(url: url, scope: Scope(region: "us-east-1", account: "0"))
            }
        }
    }

    @Test func tagsAreKeptPerQueue() async throws {
        let fixture = try BrokerFixture()
        let url = try await fixture.broker.createQueue(CreateQueueInput(QueueName: "tagged", tags: ["team": "a"]))
            .QueueUrl
        try await fixture.broker.tagQueue(TagQueueInput(QueueUrl: url, Tags: ["env": "test"]))
        try await fixture.broker.untagQueue(UntagQueueInput(QueueUrl: url, TagKeys: ["team"]))
        #expect(try await fixture.broker.listQueueTags(url).Tags == ["env": "test"])
    }
}
