import Foundation
import JSON
import Storage
import Synchronization
import Wire

/// SQS queue management: create, describe, change, tag, list and delete queues.
extension Broker {
    struct QueueRecord: Sendable {
        /// The queue's row id, which its messages name it by.
        var id: Int64
        var address: QueueAddress
        var attributes: [String: String]
        var created: Double
        var modified: Double
        var purged: Double?
        var tags: [String: String]

        var arn: String { address.arn }
        var name: String { address.name }
        var isFifo: Bool { address.isFifo }

        func integer(_ key: String, default value: Int) -> Int { attributes[key].flatMap(Int.init) ?? value }

        var redrive: (deadLetterQueueArn: String, maxReceiveCount: Int)? { Broker.redrivePolicy(of: attributes) }
    }

    /// The RedrivePolicy among a queue's attributes, if it names a dead-letter queue and a count.
    static func redrivePolicy(of attributes: [String: String]) -> (deadLetterQueueArn: String, maxReceiveCount: Int)? {
        guard let text = attributes["RedrivePolicy"], let policy = try? JSONValue.parse(text),
            let target = policy["deadLetterTargetArn"]?.stringValue,
            let count = policy["maxReceiveCount"]?.integerValue
                ?? policy["maxReceiveCount"]?.stringValue.flatMap({ Int($0) })
        else { return nil }
        return (target, count)
    }

    func queueUrl(_ address: QueueAddress) -> String { "\(gatewayUrl)/\(address.account)/\(address.name)" }

    func address(ofUrl url: String, _ scope: Scope) throws(AWSError) -> QueueAddress {
        try QueueAddress(url: url, scope: scope)
    }

    /// A stored map of strings (a queue's attributes or tags), read on every queue operation: parsed straight,
    /// not through a Decoder.
    static func decodeMap(_ text: String?) -> [String: String] {
        guard let text, let object = (try? JSONValue.parse(text))?.objectValue else { return [:] }
        var map: [String: String] = [:]
        map.reserveCapacity(object.count)
        for (key, value) in object {
            guard let string = value.stringValue else { return [:] }
            map[key] = string
        }
        return map
    }

    static func encodeMap(_ map: [String: String]) -> String {
        JSONValue.object(JSONObject(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })).serialized()
    }

    func queue(arn: String, _ db: Database) throws -> QueueRecord {
        let generation = queueRecords.generation
        if let record = queueRecords[arn] { return record }
        guard let address = QueueAddress(arn: arn),
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM queues WHERE arn = ?"), arguments: [arn])
        else {
            throw AWSError("QueueDoesNotExist", "The specified queue does not exist.")
        }
        let record = QueueRecord(
            id: row["id"], address: address, attributes: Self.decodeMap(row["attributes"]), created: row["created"],
            modified: row["modified"], purged: row["purged"], tags: Self.decodeMap(row["tags"]))
        queueRecords.remember(record, readIn: generation)
        return record
    }

    /// A write that changes a queue's row (creates, changes, tags, purges or deletes a queue): while it runs and
    /// until its group has committed or rolled back, queue records are read from the database, not remembered.
    func changingQueues<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        queueRecords.changeBegins()
        defer { queueRecords.changeEnds() }
        return try await database.write(body)
    }

    /// Queue records as committed, by ARN: every queue operation reads its queue's row and parses its attributes
    /// and tags (7 reads a seed workflow), and queues change rarely. Only `changingQueues` changes a queue's row.
    final class QueueRecords: Sendable {
        private struct State {
            var records: [String: QueueRecord] = [:]
            /// Writes changing a queue's row now running: nothing is remembered meanwhile.
            var changing = 0
            /// Moves on at each change's start and end, so a record read before either is not remembered after.
            var generation = 0

            mutating func begin() {
                changing += 1
                generation += 1
                records.removeAll()
            }

            mutating func end() {
                changing -= 1
                generation += 1
                records.removeAll()
            }
        }
        private let state = Mutex(State())

        subscript(arn: String) -> QueueRecord? {
            state.withLock { $0.changing == 0 ? $0.records[arn] : nil }
        }

        var generation: Int { state.withLock { $0.generation } }

        func remember(_ record: QueueRecord, readIn generation: Int) {
            state.withLock { state in
                guard state.changing == 0, state.generation == generation else { return }
                state.records[record.arn] = record
            }
        }

        func changeBegins() { state.withLock { $0.begin() } }
        func changeEnds() { state.withLock { $0.end() } }
    }

    func queue(_ address: QueueAddress, _ db: Database) throws -> QueueRecord { try queue(arn: address.arn, db) }

    static func isValidQueueName(_ name: String) -> Bool {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return (1...80).contains(name.count)
            && base.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

    static let settableAttributes: Set<String> = [
        "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy", "MaximumMessageSize", "FifoQueue", "ContentBasedDeduplication", "Policy",
        "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "DeduplicationScope",
        "FifoThroughputLimit", "RedriveAllowPolicy",
    ]

    static let readableAttributes: Set<String> = settableAttributes.union([
        "All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ])

    static func validate(_ attributes: [String: String]) throws {
        for key in attributes.keys where !settableAttributes.contains(key) {
            throw AWSError("InvalidAttributeName", "Unknown Attribute \(key).")
        }
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
        try range("KmsDataKeyReusePeriodSeconds", 60...86_400)
        for key in ["ContentBasedDeduplication", "FifoQueue", "SqsManagedSseEnabled"] {
            if let value = attributes[key], value != "true", value != "false" {
                throw AWSError("InvalidAttributeValue", "Invalid value for the parameter \(key).")
            }
        }
        if let text = attributes["RedrivePolicy"], !text.isEmpty {
            guard let policy = try? JSONValue.parse(text),
                let target = policy["deadLetterTargetArn"]?.stringValue, QueueAddress(arn: target) != nil,
                let count = policy["maxReceiveCount"]?.integerValue
                    ?? policy["maxReceiveCount"]?.stringValue.flatMap({ Int($0) }),
                (1...1000).contains(count)
            else {
                throw AWSError("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy.")
            }
        }
    }

    /// A redrive policy must name a queue that exists and is of the same kind (FIFO or standard).
    func checkRedriveTarget(of address: QueueAddress, attributes: [String: String], _ db: Database) throws {
        guard let policy = Self.redrivePolicy(of: attributes) else { return }
        guard let target = try? queue(arn: policy.deadLetterQueueArn, db) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(attributes["RedrivePolicy"] ?? "") for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."
            )
        }
        guard target.isFifo == address.isFifo else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(attributes["RedrivePolicy"] ?? "") for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source."
            )
        }
    }

    // MARK: Create, describe, change, delete

    public func createQueue(_ input: CreateQueueInput, scope: Scope? = nil) async throws -> QueueUrlOutput {
        let scope = scope ?? ownScope
        let name = input.QueueName
        guard Self.isValidQueueName(name) else {
            throw AWSError(
                "InvalidParameterValue",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        var attributes = input.Attributes ?? [:]
        try Self.validate(attributes)
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
        let address = QueueAddress(region: scope.region, account: scope.account, name: name)
        let now = clock.now()
        let finalAttributes = attributes
        let tags = input.tags ?? [:]
        try await changingQueues { db in
            if let existing = try? self.queue(address, db) {
                guard existing.attributes == finalAttributes else {
                    throw AWSError(
                        "QueueNameExists",
                        "A queue already exists with the same name and a different value for attribute(s)")
                }
                return
            }
            if try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM deleted_queues WHERE arn = ? AND deleted > ?"),
                arguments: [address.arn, now - Self.deletedQueueQuarantine]) ?? false
            {
                throw AWSError(
                    "QueueDeletedRecently",
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
            }
            try self.checkRedriveTarget(of: address, attributes: finalAttributes, db)
            try db.executeCached(
                sql: "INSERT INTO queues (arn, name, attributes, tags, created, modified) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [address.arn, name, Self.encodeMap(finalAttributes), Self.encodeMap(tags), now, now])
        }
        return QueueUrlOutput(QueueUrl: queueUrl(address))
    }

    public func getQueueUrl(_ input: GetQueueUrlInput, scope: Scope? = nil) async throws -> QueueUrlOutput {
        let scope = scope ?? ownScope
        let address = QueueAddress(
            region: scope.region, account: input.QueueOwnerAWSAccountId ?? scope.account, name: input.QueueName)
        _ = try await database.read { db in try self.queue(address, db) }
        return QueueUrlOutput(QueueUrl: queueUrl(address))
    }

    public func getQueueAttributes(_ input: GetQueueAttributesInput, scope: Scope? = nil) async throws
        -> GetQueueAttributesOutput
    {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        let wanted = input.AttributeNames ?? []
        for name in wanted where !Self.readableAttributes.contains(name) {
            throw AWSError("InvalidAttributeName", "Unknown Attribute \(name).")
        }
        let now = clock.now()
        let (record, visible, inFlight, delayed) = try await database.read { db in
            let record = try self.queue(address, db)
            // One of three fixed conditions, so each statement is compiled once and kept.
            func count(_ condition: String) throws -> Int {
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM messages WHERE queue = ? AND \(condition)"),
                    arguments: [record.id, now]) ?? 0
            }
            return (
                record, try count("visible_at <= ?"), try count("visible_at > ? AND receive_count > 0"),
                try count("visible_at > ? AND receive_count = 0")
            )
        }
        var all = record.attributes.filter { !$0.value.isEmpty }
        all["QueueArn"] = address.arn
        all["ApproximateNumberOfMessages"] = String(visible)
        all["ApproximateNumberOfMessagesNotVisible"] = String(inFlight)
        all["ApproximateNumberOfMessagesDelayed"] = String(delayed)
        all["CreatedTimestamp"] = String(Int(record.created))
        all["LastModifiedTimestamp"] = String(Int(record.modified))
        all["VisibilityTimeout"] = String(record.integer("VisibilityTimeout", default: Self.defaultVisibilityTimeout))
        all["MessageRetentionPeriod"] = String(
            record.integer("MessageRetentionPeriod", default: Self.defaultRetentionPeriod))
        all["DelaySeconds"] = String(record.integer("DelaySeconds", default: 0))
        all["MaximumMessageSize"] = String(record.integer("MaximumMessageSize", default: Self.maximumMessageBytes))
        all["ReceiveMessageWaitTimeSeconds"] = String(record.integer("ReceiveMessageWaitTimeSeconds", default: 0))
        all["SqsManagedSseEnabled"] = record.attributes["SqsManagedSseEnabled"] ?? "true"
        if record.isFifo {
            all["FifoQueue"] = "true"
            all["ContentBasedDeduplication"] = record.attributes["ContentBasedDeduplication"] ?? "false"
            all["DeduplicationScope"] = record.attributes["DeduplicationScope"] ?? "queue"
            all["FifoThroughputLimit"] = record.attributes["FifoThroughputLimit"] ?? "perQueue"
        }
        if wanted.contains("All") { return GetQueueAttributesOutput(Attributes: all) }
        let selected = all.filter { wanted.contains($0.key) }
        return GetQueueAttributesOutput(Attributes: selected.isEmpty ? nil : selected)
    }

    public func setQueueAttributes(_ input: SetQueueAttributesInput, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.validate(input.Attributes)
        let now = clock.now()
        try await changingQueues { db in
            var record = try self.queue(address, db)
            if let fifo = input.Attributes["FifoQueue"], fifo != (record.isFifo ? "true" : "false") {
                throw AWSError("InvalidAttributeValue", "Invalid value for the parameter FifoQueue.")
            }
            for (key, value) in input.Attributes {
                // An empty RedrivePolicy (or other policy) removes it.
                record.attributes[key] = value.isEmpty ? nil : value
            }
            try self.checkRedriveTarget(of: address, attributes: record.attributes, db)
            try db.executeCached(
                sql: "UPDATE queues SET attributes = ?, modified = ? WHERE arn = ?",
                arguments: [Self.encodeMap(record.attributes), now, address.arn])
        }
        arrivalSignal(address.arn).signal()
    }

    /// Deletes the queue and its messages; its name cannot be used again for 60 seconds.
    public func deleteQueue(_ url: String, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: url, scope)
        let now = clock.now()
        try await changingQueues { db in
            let record = try self.queue(address, db)
            try db.executeCached(sql: "DELETE FROM queues WHERE arn = ?", arguments: [address.arn])
            try db.executeCached(sql: "DELETE FROM messages WHERE queue = ?", arguments: [record.id])
            try db.executeCached(sql: "DELETE FROM fifo_deduplication WHERE queue = ?", arguments: [address.arn])
            try db.executeCached(
                sql: "INSERT OR REPLACE INTO deleted_queues (arn, deleted) VALUES (?, ?)",
                arguments: [address.arn, now])
        }
        arrivalSignal(address.arn).signal()
    }

    public func purgeQueue(_ url: String, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: url, scope)
        let now = clock.now()
        try await changingQueues { db in
            let record = try self.queue(address, db)
            if let purged = record.purged, now - purged < Self.deletedQueueQuarantine {
                throw AWSError(
                    "PurgeQueueInProgress",
                    "Only one PurgeQueue operation on \(address.name) is allowed every 60 seconds.")
            }
            try db.executeCached(sql: "DELETE FROM messages WHERE queue = ?", arguments: [record.id])
            try db.executeCached(sql: "UPDATE queues SET purged = ? WHERE arn = ?", arguments: [now, address.arn])
        }
    }

    // MARK: Lists

    /// The caller's queues, by name; a page token only when MaxResults was given, as AWS answers.
    public func listQueues(_ input: ListQueuesInput, scope: Scope? = nil) async throws -> ListQueuesOutput {
        let scope = scope ?? ownScope
        if let maximum = input.MaxResults, !(1...1000).contains(maximum) {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(maximum) for parameter MaxResults is invalid. Reason: Must be between 1 and 1000.")
        }
        let prefix = "arn:aws:sqs:\(scope.region):\(scope.account):" + (input.QueueNamePrefix ?? "")
        let arns = try await database.read { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT arn FROM queues WHERE substr(arn, 1, ?) = ? ORDER BY arn"),
                arguments: [prefix.count, prefix])
        }
        let invalid = AWSError("InvalidParameterValue", "Invalid NextToken value.")
        let page = try PageToken.page(
            arns, after: input.NextToken, limit: input.MaxResults ?? 1000, key: { $0 }, invalid: invalid)
        let urls = page.items.compactMap(QueueAddress.init(arn:)).map(queueUrl)
        return ListQueuesOutput(
            QueueUrls: urls.isEmpty ? nil : urls, NextToken: input.MaxResults == nil ? nil : page.nextToken)
    }

    /// The queues whose redrive policy names this one as their dead-letter queue.
    public func listDeadLetterSourceQueues(_ input: ListDeadLetterSourceQueuesInput, scope: Scope? = nil) async throws
        -> ListDeadLetterSourceQueuesOutput
    {
        let scope = scope ?? ownScope
        let target = try address(ofUrl: input.QueueUrl, scope)
        let sources = try await database.read { db -> [String] in
            _ = try self.queue(target, db)
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT arn, attributes FROM queues ORDER BY arn"))
                .compactMap { row in
                    Self.redrivePolicy(of: Self.decodeMap(row["attributes"]))?.deadLetterQueueArn == target.arn
                        ? row["arn"] : nil
                }
        }
        let invalid = AWSError("InvalidParameterValue", "Invalid NextToken value.")
        let page = try PageToken.page(
            sources, after: input.NextToken, limit: input.MaxResults ?? 1000, key: { $0 }, invalid: invalid)
        return ListDeadLetterSourceQueuesOutput(
            queueUrls: page.items.compactMap(QueueAddress.init(arn:)).map(queueUrl),
            NextToken: input.MaxResults == nil ? nil : page.nextToken)
    }

    // MARK: Tags

    public func tagQueue(_ input: TagQueueInput, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        try await changeTags(input.QueueUrl, scope) { tags in tags.merge(input.Tags) { _, new in new } }
    }

    public func untagQueue(_ input: UntagQueueInput, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        try await changeTags(input.QueueUrl, scope) { tags in for key in input.TagKeys { tags[key] = nil } }
    }

    func changeTags(_ url: String, _ scope: Scope, _ change: @Sendable @escaping (inout [String: String]) -> Void)
        async throws
    {
        let address = try address(ofUrl: url, scope)
        try await changingQueues { db in
            var tags = try self.queue(address, db).tags
            change(&tags)
            guard tags.count <= 50 else {
                throw AWSError("InvalidParameterValue", "Too many tags: a queue can have at most 50.")
            }
            try db.executeCached(
                sql: "UPDATE queues SET tags = ? WHERE arn = ?", arguments: [Self.encodeMap(tags), address.arn])
        }
    }

    public func listQueueTags(_ url: String, scope: Scope? = nil) async throws -> ListQueueTagsOutput {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: url, scope)
        let tags = try await database.read { db in try self.queue(address, db).tags }
        return ListQueueTagsOutput(Tags: tags.isEmpty ? nil : tags)
    }

    /// Every message of a queue, visible or not, without receiving it: no receive count, no new handle.
    public func listMessages(_ url: String, scope: Scope? = nil) async throws -> ReceiveMessageOutput {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: url, scope)
        let messages = try await database.read { db in
            let record = try self.queue(address, db)
            return try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM messages WHERE queue = ? ORDER BY seq"), arguments: [record.id]
            ).map { row in
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
}
