import Formats
import Foundation
import JSON
import Storage
import Wire

/// SQS messages: send, receive, delete and change visibility, one at a time or in batches of up to ten.
extension Broker {
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

    /// The checks SendMessage and each SendMessageBatch entry make before the queue is looked at.
    static func checkMessage(
        body: String, delay: Int?, attributes: [String: MessageAttributeValue]?
    ) throws(AWSError) {
        guard !body.isEmpty else {
            throw AWSError("MissingParameter", "The request must contain the parameter MessageBody.")
        }
        guard isValidBody(body) else {
            throw AWSError(
                "InvalidMessageContents",
                "Invalid characters found. Valid characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
            )
        }
        if let delay, !(0...900).contains(delay) {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(delay) for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.")
        }
        if let attributes {
            guard attributes.count <= 10 else {
                throw AWSError(
                    "InvalidParameterValue",
                    "Number of message attributes [\(attributes.count)] exceeds the allowed maximum [10].")
            }
            for (name, value) in attributes {
                let type = value.DataType.split(separator: ".").first.map(String.init) ?? ""
                guard ["String", "Number", "Binary"].contains(type) else {
                    throw AWSError(
                        "InvalidParameterValue",
                        "The type of message (user) attribute '\(name)' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                    )
                }
                let hasValue =
                    value.StringValue != nil || value.BinaryValue != nil || value.StringListValues != nil
                    || value.BinaryListValues != nil
                guard hasValue else {
                    throw AWSError(
                        "InvalidParameterValue",
                        "The message (user) attribute '\(name)' must contain a non-empty value of message attribute type '\(value.DataType)'."
                    )
                }
            }
        }
    }

    public func sendMessage(_ input: SendMessageInput, scope: Scope? = nil, idempotencyKey: String?) async throws
        -> [UInt8]
    {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.checkMessage(body: input.MessageBody, delay: input.DelaySeconds, attributes: input.MessageAttributes)
        let now = clock.now()
        let reply = try await database.write { db in
            try self.idempotent(idempotencyKey, db) {
                WireCoding.encode(
                    try self.enqueue(
                        try self.queue(address, db), body: input.MessageBody, attributes: input.MessageAttributes,
                        delay: input.DelaySeconds, groupId: input.MessageGroupId,
                        deduplicationId: input.MessageDeduplicationId, now: now, db))
            }
        }
        return reply
    }

    /// Up to ten messages in one transaction; an entry that is refused fails alone, inside an HTTP 200.
    public func sendMessageBatch(_ input: SendMessageBatchInput, scope: Scope? = nil, idempotencyKey: String?)
        async throws
        -> [UInt8]
    {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.checkBatch(input.Entries.map(\.Id))
        let total = input.Entries.reduce(0) { $0 + $1.MessageBody.utf8.count }
        guard total <= Self.maximumMessageBytes else {
            throw AWSError(
                "BatchRequestTooLong",
                "Batch requests cannot be longer than \(Self.maximumMessageBytes) bytes. You have sent \(total) bytes.")
        }
        let now = clock.now()
        let reply = try await database.write { db in
            try self.idempotent(idempotencyKey, db) {
                let queue = try self.queue(address, db)
                var successful: [SendMessageBatchOutput.Entry] = []
                var failed: [BatchResultErrorEntry] = []
                for entry in input.Entries {
                    do {
                        try Self.checkMessage(
                            body: entry.MessageBody, delay: entry.DelaySeconds, attributes: entry.MessageAttributes)
                        let sent = try self.enqueue(
                            queue, body: entry.MessageBody, attributes: entry.MessageAttributes,
                            delay: entry.DelaySeconds, groupId: entry.MessageGroupId,
                            deduplicationId: entry.MessageDeduplicationId, now: now, db)
                        successful.append(.init(Id: entry.Id, sent: sent))
                    } catch let error as AWSError {
                        failed.append(BatchResultErrorEntry(Id: entry.Id, Code: error.type, Message: error.message))
                    }
                }
                return WireCoding.encode(SendMessageBatchOutput(Successful: successful, Failed: failed))
            }
        }
        return reply
    }

    /// A batch has 1–10 entries with distinct ids of up to 80 letters, digits, `-` and `_`.
    static func checkBatch(_ ids: [String]) throws(AWSError) {
        guard !ids.isEmpty else {
            throw AWSError("EmptyBatchRequest", "There should be at least one entry in the request.")
        }
        guard ids.count <= 10 else {
            throw AWSError(
                "TooManyEntriesInBatchRequest",
                "Maximum number of entries per request are 10. You have sent \(ids.count).")
        }
        var seen = Set<String>()
        for id in ids {
            guard (1...80).contains(id.count),
                id.unicodeScalars.allSatisfy({
                    CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_"
                })
            else {
                throw AWSError(
                    "InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."
                )
            }
            guard seen.insert(id).inserted else {
                throw AWSError("BatchEntryIdsNotDistinct", "Id \(id) repeated.")
            }
        }
    }

    /// Puts one message on a queue, inside the caller's transaction (SendMessage, batches, SNS fan-out to SQS).
    func enqueue(
        _ queue: QueueRecord, body: String, attributes: [String: MessageAttributeValue]?, delay: Int?,
        groupId: String?, deduplicationId: String?, now: Double, _ db: Database
    ) throws -> SendMessageOutput {
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
                db.cachedStatement(
                    sql:
                        "SELECT message_id, sequence_number FROM fifo_deduplication WHERE queue = ? AND deduplication_id = ? AND expires > ?"
                ),
                arguments: [queue.arn, deduplication, now])
            {
                return SendMessageOutput(
                    MessageId: seen["message_id"], MD5OfMessageBody: md5,
                    MD5OfMessageAttributes: Self.md5(of: attributes), SequenceNumber: seen["sequence_number"])
            }
        } else if deduplicationId != nil {
            throw AWSError(
                "InvalidParameterValue",
                "The request include parameter MessageDeduplicationId that is not valid for this queue type")
        }
        let id = random.uuid()
        // FIFO queues ignore a per-message delay; the queue's own delay applies.
        let effectiveDelay =
            queue.isFifo
            ? queue.integer("DelaySeconds", default: 0) : (delay ?? queue.integer("DelaySeconds", default: 0))
        let attributesText = attributes.map { WireCoding.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try db.executeCached(
            sql: """
                INSERT INTO messages (message_id, queue, body, md5, attributes, sent, visible_at, receive_count,
                    group_id, deduplication_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """,
            arguments: [
                id, queue.id, body, md5, attributesText, now, now + Double(effectiveDelay), groupId, deduplication,
            ])
        var sequence: String?
        if queue.isFifo, let deduplication {
            sequence = String(format: "%020lld", db.lastInsertedRowID)
            try db.executeCached(
                sql:
                    "INSERT OR REPLACE INTO fifo_deduplication (queue, deduplication_id, message_id, sequence_number, expires) VALUES (?, ?, ?, ?, ?)",
                arguments: [queue.arn, deduplication, id, sequence, now + Self.fifoDeduplicationWindow])
        }
        // One long poll is woken for the message the moment it is committed, while its sender is still answered.
        let arrivals = arrivalSignal(queue.arn)
        database.afterCommit { arrivals.signal(upTo: 1) }
        return SendMessageOutput(
            MessageId: id, MD5OfMessageBody: md5, MD5OfMessageAttributes: Self.md5(of: attributes),
            SequenceNumber: sequence)
    }

    // MARK: Receive

    public func receiveMessage(_ input: ReceiveMessageInput, scope: Scope? = nil) async throws -> ReceiveMessageOutput {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
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
        let queue = try await database.read { db in try self.queue(address, db) }
        let waitSeconds = input.WaitTimeSeconds ?? queue.integer("ReceiveMessageWaitTimeSeconds", default: 0)
        guard (0...20).contains(waitSeconds) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(waitSeconds) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )
        }
        let selection = Selection(
            system: Set((input.AttributeNames ?? []) + (input.MessageSystemAttributeNames ?? [])),
            user: input.MessageAttributeNames ?? [])
        let deadline = realClock.now() + Double(waitSeconds)
        let signal = arrivalSignal(address.arn)
        var signalled = true
        while true {
            // A look the short cap asked for (not a send) first reads whether there is anything to hand out or
            // expire, and takes the writer only then: a long poll on an idle queue looks five times a second.
            var messages: [SQSMessage] = []
            let worthALook = try await signalled ? true : mayHaveMessages(address)
            if worthALook {
                messages = try await receiveOnce(
                    address, maximum: maximum, visibility: input.VisibilityTimeout, selection: selection)
            }
            if !messages.isEmpty || realClock.now() >= deadline || Task.isCancelled {
                return ReceiveMessageOutput(Messages: messages)
            }
            // Woken by a send; the short cap also catches messages whose visibility timeout ran out.
            signalled = await signal.wait(timeout: .seconds(min(deadline - realClock.now(), 0.2)), on: realClock)
        }
    }

    /// Whether a receive now could hand out or expire a message: one visible, or one past retention.
    static let mayHaveMessagesSQL = """
        SELECT EXISTS (SELECT 1 FROM messages WHERE queue = ? AND visible_at <= ?)
            OR EXISTS (SELECT 1 FROM messages WHERE queue = ? AND sent < ?)
        """

    private func mayHaveMessages(_ address: QueueAddress) async throws -> Bool {
        let now = clock.now()
        return try await database.read { db in
            let queue = try self.queue(address, db)
            let retention = Double(queue.integer("MessageRetentionPeriod", default: Self.defaultRetentionPeriod))
            return try Bool.fetchOne(
                db.cachedStatement(sql: Self.mayHaveMessagesSQL),
                arguments: [queue.id, now, queue.id, now - retention]) ?? true
        }
    }

    /// Which attributes a receive asked for: system ones by name (or All), message ones by name, `name.*`
    /// prefix, or All / `.*`.
    struct Selection {
        var system: Set<String>
        var user: [String]

        func wantsSystem(_ name: String) -> Bool { system.contains("All") || system.contains(name) }

        func userAttributes(_ all: [String: MessageAttributeValue]?) -> [String: MessageAttributeValue]? {
            guard let all, !user.isEmpty else { return nil }
            let chosen = all.filter { name, _ in
                user.contains { pattern in
                    pattern == "All" || pattern == ".*" || pattern == name
                        || (pattern.hasSuffix(".*") && name.hasPrefix(String(pattern.dropLast(1))))
                }
            }
            return chosen.isEmpty ? nil : chosen
        }
    }

    /// What every receive runs first: messages past retention go (by the index on `sent`, so it reads nothing when
    /// nothing expired, however long the queue).
    static let expireSQL = "DELETE FROM messages WHERE queue = ? AND sent < ?"

    /// A FIFO queue hands out in send order. A standard queue promises no order: it hands out what became visible
    /// first, the order of its index, so a receive reads a few rows however long the queue is (sorting by send
    /// order sorted every visible message on every receive).
    static func candidatesSQL(fifo: Bool) -> String {
        "SELECT * FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY \(fifo ? "seq" : "visible_at, seq") LIMIT ?"
    }

    private func receiveOnce(_ address: QueueAddress, maximum: Int, visibility: Int?, selection: Selection)
        async throws -> [SQSMessage]
    {
        let now = clock.now()
        let arn = address.arn
        let (messages, movedTo): ([SQSMessage], String?) = try await database.write { db in
            var movedTo: String?
            let queue = try self.queue(address, db)
            let timeout = Double(
                visibility ?? queue.integer("VisibilityTimeout", default: Self.defaultVisibilityTimeout))
            let retention = Double(queue.integer("MessageRetentionPeriod", default: Self.defaultRetentionPeriod))
            try db.executeCached(sql: Self.expireSQL, arguments: [queue.id, now - retention])
            var blockedGroups = Set<String>()
            if queue.isFifo {
                blockedGroups = Set(
                    try String.fetchAll(
                        db.cachedStatement(
                            sql:
                                "SELECT DISTINCT group_id FROM messages WHERE queue = ? AND visible_at > ? AND receive_count > 0"
                        ),
                        arguments: [queue.id, now]))
            }
            let candidates = try Row.fetchAll(
                db.cachedStatement(sql: Self.candidatesSQL(fifo: queue.isFifo)),
                arguments: [queue.id, now, queue.isFifo ? 1000 : maximum * 4])
            var received: [SQSMessage] = []
            for row in candidates {
                guard received.count < maximum else { break }
                let seq: Int64 = row["seq"]
                let count: Int = row["receive_count"]
                if queue.isFifo, let group = row["group_id"] as String?, blockedGroups.contains(group) { continue }
                if let policy = queue.redrive, count >= policy.maxReceiveCount,
                    let deadLetterQueue = try? self.queue(arn: policy.deadLetterQueueArn, db)
                {
                    // Past maxReceiveCount the message moves to the dead-letter queue instead of being delivered.
                    try db.executeCached(
                        sql:
                            "UPDATE messages SET queue = ?, visible_at = ?, receive_count = 0, first_receive = NULL, receipt_handle = NULL, moved_from = ? WHERE seq = ?",
                        arguments: [deadLetterQueue.id, now, arn, seq])
                    movedTo = policy.deadLetterQueueArn
                    if queue.isFifo, let group = row["group_id"] as String? { blockedGroups.insert(group) }
                    continue
                }
                let handle = self.newReceiptHandle()
                let firstReceive: Double = row["first_receive"] ?? now
                try db.executeCached(
                    sql:
                        "UPDATE messages SET receive_count = receive_count + 1, first_receive = ?, receipt_handle = ?, visible_at = ? WHERE seq = ?",
                    arguments: [firstReceive, handle, now + timeout, seq])
                var attributes: [String: String] = [:]
                func add(_ key: String, _ value: String?) {
                    if let value, selection.wantsSystem(key) { attributes[key] = value }
                }
                add("ApproximateReceiveCount", String(count + 1))
                add("SentTimestamp", String(Int((row["sent"] as Double) * 1000)))
                add("ApproximateFirstReceiveTimestamp", String(Int(firstReceive * 1000)))
                add("SenderId", address.account)
                add("MessageGroupId", row["group_id"])
                add(
                    "MessageDeduplicationId",
                    (row["deduplication_id"] as String?).flatMap { $0.hasPrefix("content:") ? nil : $0 })
                add("SequenceNumber", queue.isFifo ? String(format: "%020lld", seq) : nil)
                add("DeadLetterQueueSourceArn", row["moved_from"])
                let stored = (row["attributes"] as String?).flatMap {
                    try? WireCoding.decode([String: MessageAttributeValue].self, from: Array($0.utf8))
                }
                let messageAttributes = selection.userAttributes(stored)
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

    func newReceiptHandle() -> String {
        "AQEB" + Data(random.bytes(32)).base64EncodedString()
    }

    static func checkReceiptHandle(_ handle: String) throws(AWSError) {
        guard handle.hasPrefix("AQEB"), Data(base64Encoded: String(handle.dropFirst(4)))?.count == 32 else {
            throw AWSError(
                "ReceiptHandleIsInvalid", "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
        }
    }

    // MARK: Delete and change visibility

    public func deleteMessage(_ input: DeleteMessageInput, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.checkReceiptHandle(input.ReceiptHandle)
        let now = clock.now()
        try await database.write { db in
            try self.delete(handle: input.ReceiptHandle, from: try self.queue(address, db), now: now, db)
        }
    }

    /// By receipt handle, which the unique index finds at once (the planner would otherwise walk the queue's
    /// messages by an index on `queue`).
    static let deleteSQL = "DELETE FROM messages WHERE queue = ? AND receipt_handle = ?"
    static let deleteInFlightSQL = deleteSQL + " AND visible_at > ?"
    static let changeVisibilitySQL =
        "UPDATE messages SET visible_at = ? WHERE queue = ? AND receipt_handle = ? AND visible_at > ?"

    func delete(handle: String, from queue: QueueRecord, now: Double, _ db: Database) throws {
        if queue.isFifo {
            // FIFO: only the latest handle, and only while the message is still in flight.
            try db.executeCached(
                sql: Self.deleteInFlightSQL, arguments: [queue.id, handle, now])
            if db.changesCount == 0 {
                throw AWSError("ReceiptHandleIsInvalid", "The receipt handle has expired.")
            }
        } else {
            // Standard: a handle that no longer names a message (already deleted) is not an error.
            try db.executeCached(sql: Self.deleteSQL, arguments: [queue.id, handle])
        }
    }

    public func deleteMessageBatch(_ input: DeleteMessageBatchInput, scope: Scope? = nil) async throws -> BatchOutput {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.checkBatch(input.Entries.map(\.Id))
        let now = clock.now()
        return try await database.write { db in
            let queue = try self.queue(address, db)
            var output = BatchOutput(Successful: [], Failed: [])
            for entry in input.Entries {
                do {
                    try Self.checkReceiptHandle(entry.ReceiptHandle)
                    try self.delete(handle: entry.ReceiptHandle, from: queue, now: now, db)
                    output.Successful.append(.init(Id: entry.Id))
                } catch let error as AWSError {
                    output.Failed.append(BatchResultErrorEntry(Id: entry.Id, Code: error.type, Message: error.message))
                }
            }
            return output
        }
    }

    public func changeMessageVisibility(_ input: ChangeMessageVisibilityInput, scope: Scope? = nil) async throws {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        let now = clock.now()
        try await database.write { db in
            try self.changeVisibility(
                handle: input.ReceiptHandle, to: input.VisibilityTimeout, in: try self.queue(address, db), now: now,
                db)
        }
        if input.VisibilityTimeout == 0 { arrivalSignal(address.arn).signal() }
    }

    func changeVisibility(handle: String, to timeout: Int, in queue: QueueRecord, now: Double, _ db: Database) throws {
        guard (0...43_200).contains(timeout) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(timeout) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.")
        }
        try Self.checkReceiptHandle(handle)
        // The new timeout counts from now, not from the receive.
        try db.executeCached(
            sql: Self.changeVisibilitySQL, arguments: [now + Double(timeout), queue.id, handle, now])
        if db.changesCount == 0 {
            throw AWSError("MessageNotInflight", "The message referred to isn't in flight.")
        }
    }

    public func changeMessageVisibilityBatch(_ input: ChangeMessageVisibilityBatchInput, scope: Scope? = nil)
        async throws
        -> BatchOutput
    {
        let scope = scope ?? ownScope
        let address = try address(ofUrl: input.QueueUrl, scope)
        try Self.checkBatch(input.Entries.map(\.Id))
        let now = clock.now()
        let output = try await database.write { db in
            let queue = try self.queue(address, db)
            var output = BatchOutput(Successful: [], Failed: [])
            for entry in input.Entries {
                do {
                    try self.changeVisibility(
                        handle: entry.ReceiptHandle, to: entry.VisibilityTimeout ?? 0, in: queue, now: now, db)
                    output.Successful.append(.init(Id: entry.Id))
                } catch let error as AWSError {
                    output.Failed.append(BatchResultErrorEntry(Id: entry.Id, Code: error.type, Message: error.message))
                }
            }
            return output
        }
        arrivalSignal(address.arn).signal()
        return output
    }
}
