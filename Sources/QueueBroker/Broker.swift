import Foundation
import JSON
import Logging
import ServiceSupport
import StatesLanguage
import Storage
import Synchronization
import Wire

/// SQS and SNS in one process, state in SQLite: queues with visibility timeouts, receipt handles, receive counts
/// and redrive to a dead-letter queue; topics whose subscriptions fan messages out to queues or to functions.
public final class Broker: Sendable {
    public static let defaultVisibilityTimeout = 30
    public static let defaultRetentionPeriod = 345_600
    public static let maximumMessageBytes = 1_048_576
    public static let snsMessageLimit = 262_144
    static let fifoDeduplicationWindow = 300.0
    /// How long a request's idempotency key answers retries with the first reply.
    static let idempotencyWindow = 3600.0

    let database: any DatabaseWriter
    let clock: any WallClock
    let region: String
    let accountId: String
    /// Where the AWS gateway is reached: queue URLs point there (`http://localhost:4566/<account>/<name>`).
    let gatewayUrl: String
    let logger: Logger
    let arrivals = Mutex<[String: Broadcast]>([:])
    let deliveryWakeup = Wakeup()
    let deliveriesInFlight = Mutex<Set<Int64>>([])

    public init(
        database: any DatabaseWriter, clock: any WallClock, region: String = "us-east-1",
        accountId: String = "000000000000", gatewayUrl: String = "http://localhost:4566", logger: Logger
    ) {
        self.database = database
        self.clock = clock
        self.region = region
        self.accountId = accountId
        self.gatewayUrl = gatewayUrl
        self.logger = logger
    }

    public static func openDatabase(path: String) throws -> DatabasePool {
        try Store.open(path: path, migrator: BrokerSchema.migrator)
    }

    public static func inMemoryDatabase() throws -> DatabaseQueue {
        try Store.inMemory(migrator: BrokerSchema.migrator)
    }

    func arrivalSignal(_ queue: String) -> Broadcast {
        arrivals.withLock { table in
            if let existing = table[queue] { return existing }
            let created = Broadcast()
            table[queue] = created
            return created
        }
    }

    // MARK: Names

    func queueUrl(_ name: String) -> String { "\(gatewayUrl)/\(accountId)/\(name)" }
    func queueArn(_ name: String) -> String { "arn:aws:sqs:\(region):\(accountId):\(name)" }
    func topicArn(_ name: String) -> String { "arn:aws:sns:\(region):\(accountId):\(name)" }

    /// The queue a URL names: SQS accepts any host, so only the last path component counts.
    static func queueName(fromUrl url: String) -> String {
        String(url.split(separator: "/").last ?? "")
    }

    static func isValidQueueName(_ name: String) -> Bool {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return (1...80).contains(name.count)
            && base.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

    // MARK: Idempotency

    /// Runs `body` at most once per idempotency key: a repeat gets the first reply.
    func idempotent(_ key: String?, _ db: Database, _ body: () throws -> [UInt8]) throws -> [UInt8] {
        guard let key else { return try body() }
        if let recorded = try String.fetchOne(db, sql: "SELECT reply FROM idempotency WHERE key = ?", arguments: [key])
        {
            return Array(recorded.utf8)
        }
        let reply = try body()
        try db.execute(
            sql: "INSERT INTO idempotency (key, reply, created) VALUES (?, ?, ?)",
            arguments: [key, String(decoding: reply, as: UTF8.self), clock.now()])
        return reply
    }

    // MARK: Queues

    struct QueueRecord: Sendable {
        var name: String
        var attributes: [String: String]
        var isFifo: Bool { name.hasSuffix(".fifo") }

        func integer(_ key: String, default value: Int) -> Int { attributes[key].flatMap(Int.init) ?? value }

        var redrive: (deadLetterQueue: String, maxReceiveCount: Int)? {
            guard let text = attributes["RedrivePolicy"], let policy = try? JSONValue.parse(text),
                let target = policy["deadLetterTargetArn"]?.stringValue,
                let count = policy["maxReceiveCount"]?.integerValue
                    ?? policy["maxReceiveCount"]?.stringValue.flatMap({ Int($0) })
            else { return nil }
            return (String(target.split(separator: ":").last ?? ""), count)
        }
    }

    func queue(named name: String, _ db: Database) throws -> QueueRecord {
        guard let text = try String.fetchOne(db, sql: "SELECT attributes FROM queues WHERE name = ?", arguments: [name])
        else {
            throw AWSError("QueueDoesNotExist", "The specified queue does not exist.")
        }
        let attributes = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
        return QueueRecord(name: name, attributes: attributes)
    }

    static let settableAttributes: Set<String> = [
        "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy", "MaximumMessageSize", "FifoQueue", "ContentBasedDeduplication", "Policy",
        "KmsMasterKeyId", "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit", "RedriveAllowPolicy",
    ]

    public func createQueue(_ input: CreateQueueInput) async throws -> QueueUrlOutput {
        let name = input.QueueName
        guard Self.isValidQueueName(name) else {
            throw AWSError(
                "InvalidParameterValue",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        var attributes = input.Attributes ?? [:]
        for key in attributes.keys where !Self.settableAttributes.contains(key) {
            throw AWSError("InvalidAttributeName", "Unknown Attribute \(key).")
        }
        if name.hasSuffix(".fifo") != (attributes["FifoQueue"] == "true") {
            if name.hasSuffix(".fifo") && attributes["FifoQueue"] == nil {
                attributes["FifoQueue"] = "true"
            } else {
                throw AWSError(
                    "InvalidParameterValue",
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix."
                )
            }
        }
        try Self.validate(attributes)
        let finalAttributes = attributes
        let text = String(decoding: try JSONEncoder().encode(attributes), as: UTF8.self)
        let now = clock.now()
        let url = queueUrl(name)
        try await database.write { db in
            if let existing = try String.fetchOne(
                db, sql: "SELECT attributes FROM queues WHERE name = ?", arguments: [name])
            {
                let old = (try? JSONDecoder().decode([String: String].self, from: Data(existing.utf8))) ?? [:]
                guard old == finalAttributes else {
                    throw AWSError(
                        "QueueNameExists",
                        "A queue already exists with the same name and a different value for attribute(s)")
                }
                return
            }
            if let policy = QueueRecord(name: name, attributes: finalAttributes).redrive {
                guard
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM queues WHERE name = ?", arguments: [policy.deadLetterQueue]) ?? false
                else {
                    throw AWSError(
                        "InvalidParameterValue",
                        "Value \(finalAttributes["RedrivePolicy"] ?? "") for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."
                    )
                }
            }
            try db.execute(
                sql: "INSERT INTO queues (name, attributes, created) VALUES (?, ?, ?)", arguments: [name, text, now])
        }
        return QueueUrlOutput(QueueUrl: url)
    }

    static func validate(_ attributes: [String: String]) throws {
        func range(_ key: String, _ bounds: ClosedRange<Int>) throws {
            guard let text = attributes[key] else { return }
            guard let value = Int(text), bounds.contains(value) else {
                throw AWSError("InvalidAttributeValue", "Invalid value for the parameter \(key).")
            }
        }
        try range("VisibilityTimeout", 0...43_200)
        try range("MessageRetentionPeriod", 60...1_209_600)
        try range("DelaySeconds", 0...900)
        try range("ReceiveMessageWaitTimeSeconds", 0...20)
        try range("MaximumMessageSize", 1024...maximumMessageBytes)
        if let text = attributes["RedrivePolicy"] {
            guard let policy = try? JSONValue.parse(text), policy["deadLetterTargetArn"]?.stringValue != nil,
                let count = policy["maxReceiveCount"]?.integerValue
                    ?? policy["maxReceiveCount"]?.stringValue.flatMap({ Int($0) }),
                (1...1000).contains(count)
            else {
                throw AWSError("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy.")
            }
        }
    }

    public func getQueueUrl(_ name: String) async throws -> QueueUrlOutput {
        _ = try await database.read { db in try self.queue(named: name, db).name }
        return QueueUrlOutput(QueueUrl: queueUrl(name))
    }

    public func listQueues() async throws -> ListQueuesOutput {
        let names = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM queues ORDER BY name")
        }
        return ListQueuesOutput(QueueUrls: names.map(queueUrl))
    }

    public func getQueueAttributes(_ input: GetQueueAttributesInput) async throws -> GetQueueAttributesOutput {
        let name = Self.queueName(fromUrl: input.QueueUrl)
        let now = clock.now()
        let (record, visible, inFlight, delayed, created) = try await database.read { db in
            let record = try self.queue(named: name, db)
            let visible =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM messages WHERE queue = ? AND visible_at <= ?",
                    arguments: [name, now]) ?? 0
            let inFlight =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM messages WHERE queue = ? AND visible_at > ? AND receive_count > 0",
                    arguments: [name, now]) ?? 0
            let delayed =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM messages WHERE queue = ? AND visible_at > ? AND receive_count = 0",
                    arguments: [name, now]) ?? 0
            let created =
                try Double.fetchOne(db, sql: "SELECT created FROM queues WHERE name = ?", arguments: [name]) ?? now
            return (record, visible, inFlight, delayed, created)
        }
        var all = record.attributes
        all["QueueArn"] = queueArn(name)
        all["ApproximateNumberOfMessages"] = String(visible)
        all["ApproximateNumberOfMessagesNotVisible"] = String(inFlight)
        all["ApproximateNumberOfMessagesDelayed"] = String(delayed)
        all["CreatedTimestamp"] = String(Int(created))
        all["VisibilityTimeout"] = String(record.integer("VisibilityTimeout", default: Self.defaultVisibilityTimeout))
        all["MessageRetentionPeriod"] = String(
            record.integer("MessageRetentionPeriod", default: Self.defaultRetentionPeriod))
        all["DelaySeconds"] = String(record.integer("DelaySeconds", default: 0))
        all["MaximumMessageSize"] = String(record.integer("MaximumMessageSize", default: Self.maximumMessageBytes))
        all["ReceiveMessageWaitTimeSeconds"] = String(record.integer("ReceiveMessageWaitTimeSeconds", default: 0))
        let wanted = input.AttributeNames ?? ["All"]
        if wanted.contains("All") { return GetQueueAttributesOutput(Attributes: all) }
        return GetQueueAttributesOutput(Attributes: all.filter { wanted.contains($0.key) })
    }

    /// Every message of a queue, visible or not, without receiving it: no receive count, no new handle.
    public func listMessages(_ url: String) async throws -> ReceiveMessageOutput {
        let name = Self.queueName(fromUrl: url)
        let messages = try await database.read { db in
            _ = try self.queue(named: name, db)
            return try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE queue = ? ORDER BY seq", arguments: [name])
                .map { row in
                    SQSMessage(
                        MessageId: row["message_id"], ReceiptHandle: "", MD5OfBody: row["md5"], Body: row["body"],
                        Attributes: [
                            "ApproximateReceiveCount": String(row["receive_count"] as Int),
                            "SentTimestamp": String(Int((row["sent"] as Double) * 1000)),
                        ], MessageAttributes: nil)
                }
        }
        return ReceiveMessageOutput(Messages: messages)
    }

    public func purgeQueue(_ url: String) async throws {
        let name = Self.queueName(fromUrl: url)
        try await database.write { db in
            _ = try self.queue(named: name, db)
            try db.execute(sql: "DELETE FROM messages WHERE queue = ?", arguments: [name])
        }
    }

    // MARK: Messages

    /// Characters SQS allows in a message body.
    static func isValidBody(_ body: String) -> Bool {
        body.unicodeScalars.allSatisfy { scalar in
            let value = scalar.value
            return value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
                || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
        }
    }

    /// SQS's MD5OfMessageAttributes; nil when the message has none.
    static func md5(of attributes: [String: MessageAttributeValue]?) -> String? {
        guard let attributes, !attributes.isEmpty else { return nil }
        return HexDigest.md5OfMessageAttributes(
            attributes.map { name, value in
                HexDigest.MessageAttribute(
                    name: name, dataType: value.DataType, stringValue: value.StringValue,
                    binaryValue: value.BinaryValue)
            })
    }

    public func sendMessage(_ input: SendMessageInput, idempotencyKey: String?) async throws -> [UInt8] {
        let name = Self.queueName(fromUrl: input.QueueUrl)
        guard !input.MessageBody.isEmpty else {
            throw AWSError("MissingParameter", "The request must contain the parameter MessageBody.")
        }
        guard Self.isValidBody(input.MessageBody) else {
            throw AWSError(
                "InvalidMessageContents",
                "Invalid characters found. Valid characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
            )
        }
        if let delay = input.DelaySeconds, !(0...900).contains(delay) {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(delay) for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.")
        }
        let now = clock.now()
        let reply = try await database.write { db in
            try self.idempotent(idempotencyKey, db) {
                WireCoding.encode(
                    try self.enqueue(
                        name: name, body: input.MessageBody, attributes: input.MessageAttributes,
                        delay: input.DelaySeconds, groupId: input.MessageGroupId,
                        deduplicationId: input.MessageDeduplicationId, now: now, db))
            }
        }
        arrivalSignal(name).signal()
        return reply
    }

    /// Puts one message on a queue, inside the caller's transaction (SendMessage, and SNS fan-out to SQS).
    func enqueue(
        name: String, body: String, attributes: [String: MessageAttributeValue]?, delay: Int?,
        groupId: String?, deduplicationId: String?, now: Double, _ db: Database
    ) throws -> SendMessageOutput {
        let queue = try self.queue(named: name, db)
        let limit = queue.integer("MaximumMessageSize", default: Self.maximumMessageBytes)
        guard body.utf8.count <= limit else {
            throw AWSError(
                "InvalidParameterValue",
                "One or more parameters are invalid. Reason: Message must be shorter than \(limit) bytes.")
        }
        let md5 = HexDigest.md5(body)
        var deduplication: String?
        if queue.isFifo {
            guard let groupId, !groupId.isEmpty else {
                throw AWSError("MissingParameter", "The request must contain the parameter MessageGroupId.")
            }
            deduplication = deduplicationId
            if deduplication == nil, queue.attributes["ContentBasedDeduplication"] == "true" {
                // AWS hashes the body with SHA-256; any digest of the body gives the same duplicates.
                deduplication = "content:" + md5
            }
            guard let deduplication else {
                throw AWSError(
                    "InvalidParameterValue",
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
                )
            }
            // Within five minutes a repeat is accepted but not delivered again, even after a delete.
            if let seen = try Row.fetchOne(
                db,
                sql:
                    "SELECT message_id, sequence_number FROM fifo_deduplication WHERE queue = ? AND deduplication_id = ? AND expires > ?",
                arguments: [name, deduplication, now])
            {
                return SendMessageOutput(
                    MessageId: seen["message_id"], MD5OfMessageBody: md5,
                    MD5OfMessageAttributes: Self.md5(of: attributes), SequenceNumber: seen["sequence_number"])
            }
        } else if groupId != nil || deduplicationId != nil {
            if deduplicationId != nil {
                throw AWSError(
                    "InvalidParameterValue",
                    "The request include parameter MessageDeduplicationId that is not valid for this queue type")
            }
        }
        let id = UUID().uuidString.lowercased()
        // FIFO queues ignore a per-message delay; the queue's own delay applies.
        let effectiveDelay =
            queue.isFifo
            ? queue.integer("DelaySeconds", default: 0) : (delay ?? queue.integer("DelaySeconds", default: 0))
        let attributesText = attributes.map {
            String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self)
        }
        try db.execute(
            sql: """
                INSERT INTO messages (message_id, queue, body, md5, attributes, sent, visible_at, receive_count,
                    group_id, deduplication_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """,
            arguments: [id, name, body, md5, attributesText, now, now + Double(effectiveDelay), groupId, deduplication])
        var sequence: String?
        if queue.isFifo, let deduplication {
            sequence = String(format: "%020lld", db.lastInsertedRowID)
            try db.execute(
                sql:
                    "INSERT OR REPLACE INTO fifo_deduplication (queue, deduplication_id, message_id, sequence_number, expires) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, deduplication, id, sequence, now + Self.fifoDeduplicationWindow])
        }
        return SendMessageOutput(
            MessageId: id, MD5OfMessageBody: md5, MD5OfMessageAttributes: Self.md5(of: attributes),
            SequenceNumber: sequence)
    }

    public func receiveMessage(_ input: ReceiveMessageInput) async throws -> ReceiveMessageOutput {
        let name = Self.queueName(fromUrl: input.QueueUrl)
        let maximum = input.MaxNumberOfMessages ?? 1
        guard (1...10).contains(maximum) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(maximum) for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
            )
        }
        if let visibility = input.VisibilityTimeout, !(0...43_200).contains(visibility) {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(visibility) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided."
            )
        }
        let queue = try await database.read { db in try self.queue(named: name, db) }
        let waitSeconds = input.WaitTimeSeconds ?? queue.integer("ReceiveMessageWaitTimeSeconds", default: 0)
        guard (0...20).contains(waitSeconds) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(waitSeconds) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )
        }
        let wanted = Set((input.AttributeNames ?? []) + (input.MessageSystemAttributeNames ?? []))
        let deadline = ContinuousClock.now + .seconds(waitSeconds)
        let signal = arrivalSignal(name)
        while true {
            let messages = try await receiveOnce(
                name, maximum: maximum, visibility: input.VisibilityTimeout, wanted: wanted)
            if !messages.isEmpty || ContinuousClock.now >= deadline || Task.isCancelled {
                return ReceiveMessageOutput(Messages: messages)
            }
            // Woken by a send; the short cap also catches messages whose visibility timeout ran out.
            await signal.wait(timeout: min(deadline - ContinuousClock.now, .milliseconds(200)))
        }
    }

    private func receiveOnce(_ name: String, maximum: Int, visibility: Int?, wanted: Set<String>) async throws
        -> [SQSMessage]
    {
        let now = clock.now()
        let (messages, movedTo): ([SQSMessage], String?) = try await database.write { db in
            var movedTo: String?
            let queue = try self.queue(named: name, db)
            let timeout = Double(
                visibility ?? queue.integer("VisibilityTimeout", default: Self.defaultVisibilityTimeout))
            let retention = Double(queue.integer("MessageRetentionPeriod", default: Self.defaultRetentionPeriod))
            try db.execute(
                sql: "DELETE FROM messages WHERE queue = ? AND sent < ?", arguments: [name, now - retention])
            var blockedGroups = Set<String>()
            if queue.isFifo {
                blockedGroups = Set(
                    try String.fetchAll(
                        db,
                        sql:
                            "SELECT DISTINCT group_id FROM messages WHERE queue = ? AND visible_at > ? AND receive_count > 0",
                        arguments: [name, now]))
            }
            let candidates = try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?",
                arguments: [name, now, queue.isFifo ? 1000 : maximum * 4])
            var received: [SQSMessage] = []
            for row in candidates {
                guard received.count < maximum else { break }
                let seq: Int64 = row["seq"]
                let count: Int = row["receive_count"]
                if queue.isFifo, let group = row["group_id"] as String?, blockedGroups.contains(group) { continue }
                if let policy = queue.redrive, count >= policy.maxReceiveCount {
                    // Past maxReceiveCount the message moves to the dead-letter queue instead of being delivered.
                    try db.execute(
                        sql:
                            "UPDATE messages SET queue = ?, visible_at = ?, receive_count = 0, first_receive = NULL, receipt_handle = NULL, moved_from = ? WHERE seq = ?",
                        arguments: [policy.deadLetterQueue, now, name, seq])
                    movedTo = policy.deadLetterQueue
                    if queue.isFifo, let group = row["group_id"] as String? { blockedGroups.insert(group) }
                    continue
                }
                let handle = Self.newReceiptHandle()
                let firstReceive: Double = row["first_receive"] ?? now
                try db.execute(
                    sql:
                        "UPDATE messages SET receive_count = receive_count + 1, first_receive = ?, receipt_handle = ?, visible_at = ? WHERE seq = ?",
                    arguments: [firstReceive, handle, now + timeout, seq])
                var attributes: [String: String] = [:]
                let all = wanted.contains("All")
                func add(_ key: String, _ value: String?) {
                    if let value, all || wanted.contains(key) { attributes[key] = value }
                }
                add("ApproximateReceiveCount", String(count + 1))
                add("SentTimestamp", String(Int((row["sent"] as Double) * 1000)))
                add("ApproximateFirstReceiveTimestamp", String(Int(firstReceive * 1000)))
                add("SenderId", self.accountId)
                add("MessageGroupId", row["group_id"])
                add(
                    "MessageDeduplicationId",
                    (row["deduplication_id"] as String?).flatMap { $0.hasPrefix("content:") ? nil : $0 })
                add("DeadLetterQueueSourceArn", (row["moved_from"] as String?).map(self.queueArn))
                let messageAttributes = (row["attributes"] as String?).flatMap {
                    try? JSONDecoder().decode([String: MessageAttributeValue].self, from: Data($0.utf8))
                }
                received.append(
                    SQSMessage(
                        MessageId: row["message_id"], ReceiptHandle: handle, MD5OfBody: row["md5"], Body: row["body"],
                        Attributes: attributes.isEmpty ? nil : attributes, MessageAttributes: messageAttributes,
                        MD5OfMessageAttributes: Self.md5(of: messageAttributes)))
            }
            return (received, movedTo)
        }
        if let movedTo { arrivalSignal(movedTo).signal() }
        return messages
    }

    static func newReceiptHandle() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "AQEB" + Data(bytes).base64EncodedString()
    }

    static func checkReceiptHandle(_ handle: String) throws {
        guard handle.hasPrefix("AQEB"), Data(base64Encoded: String(handle.dropFirst(4)))?.count == 32 else {
            throw AWSError(
                "ReceiptHandleIsInvalid", "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
        }
    }

    public func deleteMessage(_ input: DeleteMessageInput) async throws {
        let name = Self.queueName(fromUrl: input.QueueUrl)
        try Self.checkReceiptHandle(input.ReceiptHandle)
        let now = clock.now()
        try await database.write { db in
            let queue = try self.queue(named: name, db)
            if queue.isFifo {
                // FIFO: only the latest handle, and only while the message is still in flight.
                try db.execute(
                    sql: "DELETE FROM messages WHERE queue = ? AND receipt_handle = ? AND visible_at > ?",
                    arguments: [name, input.ReceiptHandle, now])
                if db.changesCount == 0 {
                    throw AWSError("ReceiptHandleIsInvalid", "The receipt handle has expired.")
                }
            } else {
                // Standard: a handle that no longer names a message (already deleted) is not an error.
                try db.execute(
                    sql: "DELETE FROM messages WHERE queue = ? AND receipt_handle = ?",
                    arguments: [name, input.ReceiptHandle])
            }
        }
    }

    public func changeMessageVisibility(_ input: ChangeMessageVisibilityInput) async throws {
        let name = Self.queueName(fromUrl: input.QueueUrl)
        guard (0...43_200).contains(input.VisibilityTimeout) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(input.VisibilityTimeout) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."
            )
        }
        try Self.checkReceiptHandle(input.ReceiptHandle)
        let now = clock.now()
        try await database.write { db in
            _ = try self.queue(named: name, db)
            // The new timeout counts from now, not from the receive.
            try db.execute(
                sql: "UPDATE messages SET visible_at = ? WHERE queue = ? AND receipt_handle = ? AND visible_at > ?",
                arguments: [now + Double(input.VisibilityTimeout), name, input.ReceiptHandle, now])
            if db.changesCount == 0 {
                throw AWSError("MessageNotInflight", "The message referred to isn't in flight.")
            }
        }
        if input.VisibilityTimeout == 0 { arrivalSignal(name).signal() }
    }

    // MARK: Housekeeping

    /// Forgets idempotency keys and FIFO deduplication ids past their windows.
    public func runHousekeeping() async {
        while !Task.isCancelled {
            let now = clock.now()
            _ = try? await database.write { db in
                try db.execute(
                    sql: "DELETE FROM idempotency WHERE created < ?", arguments: [now - Self.idempotencyWindow])
                try db.execute(sql: "DELETE FROM fifo_deduplication WHERE expires < ?", arguments: [now])
            }
            try? await Task.sleep(for: .seconds(30))
        }
    }
}
