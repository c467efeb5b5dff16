import Foundation
import Storage
import Wire

/// Dead-letter queue redrive (StartMessageMoveTask and friends): what a user does after a callback outage, moving
/// the messages that ended in the DLQ back to the queues they came from, or to a destination they name. A task is
/// a row, so it goes on after a restart; it moves at most its rate, in steps of a tenth of a second.
extension Broker {
    static let defaultMoveRate = 500

    public func startMessageMoveTask(_ input: StartMessageMoveTaskInput) async throws
        -> StartMessageMoveTaskOutput
    {
        guard let source = QueueAddress(arn: input.SourceArn) else {
            throw AWSError("InvalidParameterValue", "Value \(input.SourceArn) for parameter SourceArn is invalid.")
        }
        if let rate = input.MaxNumberOfMessagesPerSecond, !(1...500).contains(rate) {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(rate) for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500."
            )
        }
        let handle = random.uuid()
        let now = clock.now()
        try await database.write { db in
            let sourceQueue = try self.queue(source, db)
            if let destination = input.DestinationArn { _ = try self.queue(arn: destination, db) }
            let isDeadLetterQueue = try Row.fetchAll(db, sql: "SELECT arn, attributes FROM queues").contains { row in
                let policy = Self.decodeMap(row["attributes"])["RedrivePolicy"] ?? ""
                return policy.contains("\"\(source.arn)\"")
            }
            guard isDeadLetterQueue else {
                throw AWSError("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
            }
            guard
                try String.fetchOne(
                    db, sql: "SELECT handle FROM move_tasks WHERE source_arn = ? AND status = 'RUNNING'",
                    arguments: [source.arn]) == nil
            else {
                throw AWSError(
                    "UnsupportedOperation",
                    "There is already a task running. Only one active task is allowed for a source queue arn at a given time."
                )
            }
            let toMove =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE queue = ?", arguments: [sourceQueue.id])
                ?? 0
            try db.execute(
                sql: """
                    INSERT INTO move_tasks (handle, source_arn, destination_arn, per_second, status, to_move, started)
                    VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)
                    """,
                arguments: [handle, source.arn, input.DestinationArn, input.MaxNumberOfMessagesPerSecond, toMove, now])
        }
        moveWakeup.signal()
        return StartMessageMoveTaskOutput(TaskHandle: handle)
    }

    public func listMessageMoveTasks(_ input: ListMessageMoveTasksInput) async throws
        -> ListMessageMoveTasksOutput
    {
        let maximum = input.MaxResults ?? 1
        guard (1...10).contains(maximum) else {
            throw AWSError(
                "InvalidParameterValue",
                "Value \(maximum) for parameter MaxResults is invalid. Reason: Must be between 1 and 10.")
        }
        let tasks = try await database.read { db in
            _ = try self.queue(arn: input.SourceArn, db)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM move_tasks WHERE source_arn = ? ORDER BY started DESC LIMIT ?",
                arguments: [input.SourceArn, maximum]
            ).map(Self.task)
        }
        return ListMessageMoveTasksOutput(Results: tasks)
    }

    static func task(_ row: Row) -> MessageMoveTask {
        let status: String = row["status"]
        return MessageMoveTask(
            TaskHandle: status == "RUNNING" ? row["handle"] : nil, Status: status, SourceArn: row["source_arn"],
            DestinationArn: row["destination_arn"], MaxNumberOfMessagesPerSecond: row["per_second"],
            ApproximateNumberOfMessagesMoved: row["moved"], ApproximateNumberOfMessagesToMove: row["to_move"],
            FailureReason: row["failure"], StartedTimestamp: Int((row["started"] as Double) * 1000))
    }

    public func cancelMessageMoveTask(_ input: CancelMessageMoveTaskInput) async throws
        -> CancelMessageMoveTaskOutput
    {
        return try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM move_tasks WHERE handle = ? AND status = 'RUNNING'",
                    arguments: [input.TaskHandle])
            else {
                throw AWSError("ResourceNotFoundException", "Task does not exist or is not running.")
            }
            try db.execute(
                sql: "UPDATE move_tasks SET status = 'CANCELLED' WHERE handle = ?", arguments: [input.TaskHandle])
            return CancelMessageMoveTaskOutput(ApproximateNumberOfMessagesMoved: row["moved"])
        }
    }

    /// Moves messages for every running task, at each task's rate, until cancelled.
    public func runMoveTasks() async {
        let tick = 0.1
        while !Task.isCancelled {
            do {
                let running = try await database.read { db in
                    try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM move_tasks WHERE status = 'RUNNING'")).map {
                        (
                            handle: $0["handle"] as String, source: $0["source_arn"] as String,
                            destination: $0["destination_arn"] as String?,
                            rate: $0["per_second"] as Int? ?? Self.defaultMoveRate
                        )
                    }
                }
                for task in running {
                    try await moveStep(
                        handle: task.handle, source: task.source, destination: task.destination,
                        count: max(1, Int(Double(task.rate) * tick)))
                }
                await moveWakeup.wait(timeout: running.isEmpty ? .seconds(1) : .seconds(tick), on: realClock)
            } catch is CancellationError {
                return
            } catch {
                logger.error("message move tasks: \(error)")
                try? await clock.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Moves up to `count` messages of one task, in one transaction; finishes the task when the source is empty.
    /// A message goes back to the queue it was redriven from (or to the task's destination), visible at once
    /// with its receive count reset; one that never came from a queue stays where it is.
    func moveStep(handle: String, source: String, destination: String?, count: Int) async throws {
        let now = clock.now()
        let touched: Set<String> = try await database.write { db in
            guard
                try String.fetchOne(db, sql: "SELECT status FROM move_tasks WHERE handle = ?", arguments: [handle])
                    == "RUNNING"
            else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, moved_from FROM messages
                    WHERE queue = (SELECT id FROM queues WHERE arn = ?) AND (? IS NOT NULL OR moved_from IS NOT NULL)
                        AND (receipt_handle IS NULL OR visible_at <= ?) ORDER BY seq LIMIT ?
                    """,
                arguments: [source, destination, now, count])
            var touched = Set<String>()
            var moved = 0
            for row in rows {
                guard let target = destination ?? row["moved_from"], let queue = try? self.queue(arn: target, db) else {
                    continue
                }
                moved += 1
                try db.execute(
                    sql: """
                        UPDATE messages SET queue = ?, visible_at = ?, receive_count = 0, first_receive = NULL,
                            receipt_handle = NULL, moved_from = NULL WHERE seq = ?
                        """,
                    arguments: [queue.id, now, row["seq"] as Int64])
                touched.insert(target)
            }
            try db.execute(sql: "UPDATE move_tasks SET moved = moved + ? WHERE handle = ?", arguments: [moved, handle])
            if rows.count < count {
                try db.execute(sql: "UPDATE move_tasks SET status = 'COMPLETED' WHERE handle = ?", arguments: [handle])
            } else if moved == 0 {
                try db.execute(
                    sql: "UPDATE move_tasks SET status = 'FAILED', failure = ? WHERE handle = ?",
                    arguments: ["The queue some messages came from no longer exists.", handle])
            }
            return touched
        }
        for queue in touched { arrivalSignal(queue).signal() }
    }
}
