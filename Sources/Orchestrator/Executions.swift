import Formats
import Foundation
import JSON
import StatesLanguage
import Storage
import Wire

/// Step Functions' execution API: start (asynchronously, or synchronously for EXPRESS machines), describe, list,
/// read the history, stop, redrive.
extension WorkflowEngine {
    static let executionStatuses = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]
    /// How long AWS keeps a failed execution redrivable.
    static let redriveWindow = 14.0 * 86_400

    func machineName(fromArn arn: String) throws(AWSError) -> String {
        let parts = ARN.fields(arn)
        guard parts.count >= 7, parts.count <= 8, parts[0] == "arn", parts[2] == "states",
            parts[5] == "stateMachine"
        else {
            throw AWSError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: \(arn)'")
        }
        return String(parts[6])
    }

    static func checkInput(_ text: String) throws(AWSError) {
        guard text.utf8.count <= payloadLimit else {
            throw AWSError(
                "InvalidExecutionInput",
                "Invalid State Machine Execution Input: 'The input exceeds the \(payloadLimit)-byte limit'")
        }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            throw AWSError("InvalidExecutionInput", "Invalid State Machine Execution Input: '\(error)'")
        }
    }

    // MARK: Start

    public func startExecution(_ input: StartExecutionInput) async throws -> StartExecutionOutput {
        let started = try await start(input, parent: nil, synchronous: false)
        return StartExecutionOutput(executionArn: started.arn, startDate: started.startDate)
    }

    /// Starts an execution in one transaction; a name and input already started and still running is the same
    /// execution (StartExecution is idempotent then).
    func start(_ input: StartExecutionInput, parent: ParentLink?, synchronous: Bool) async throws -> (
        arn: String, startDate: Double
    ) {
        let machineName = try machineName(fromArn: input.stateMachineArn)
        let name = input.name ?? random.uuid()
        guard Self.isValidName(name) else { throw AWSError("InvalidName", "Invalid Name: '\(name)'") }
        let inputText = input.input ?? "{}"
        try Self.checkInput(inputText)
        let now = clock.now()
        let (arn, startDate): (String, Double) = try await database.write { db in
            let machine = try self.machineFacts(input.stateMachineArn, db)
            guard machine.status != "DELETING" else {
                throw AWSError("StateMachineDeleting", "State machine is being deleted: '\(input.stateMachineArn)'")
            }
            let type = machine.type
            if synchronous && type != "EXPRESS" {
                throw AWSError(
                    "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
            }
            // The ARN is the machine's family of executions and the name (the family ListExecutions reads); an
            // EXPRESS execution's carries a unique suffix too: the same name may run again.
            let family = ExecutionKey.family(ofMachine: input.stateMachineArn, type: type)
            let arn = type == "EXPRESS" ? "\(family)\(name):\(self.random.uuid())" : family + name
            if let existing = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT input, status, start_date FROM executions WHERE \(ExecutionKey.whereArn)"),
                arguments: ExecutionKey(arn: arn).arguments)
            {
                guard existing["input"] as String == inputText, existing["status"] as String == "RUNNING" else {
                    throw AWSError("ExecutionAlreadyExists", "Execution Already Exists: '\(arn)'")
                }
                return (arn, existing["start_date"])
            }
            let revision = machine.revisionId
            let interpreter = try self.interpreter(for: input.stateMachineArn, revision: revision, db)
            let identity = ExecutionIdentity(
                executionArn: arn, name: name, stateMachineArn: input.stateMachineArn, stateMachineName: machineName,
                roleArn: machine.roleArn, startTime: now, input: inputText)
            var random: any RandomNumberGenerator = self.random.generator
            let step = interpreter.start(identity, now: now, random: &random)
            try self.persist(step, identity: identity, db, as: .new(revision: revision, parent: parent))
            return (arn, now)
        }
        return (arn, startDate)
    }

    /// StartSyncExecution: an EXPRESS machine's execution, answered when it ends (at most five minutes, EXPRESS's
    /// limit, after which it is stopped and reported TIMED_OUT).
    public func startSyncExecution(_ input: StartExecutionInput) async throws -> StartSyncExecutionOutput {
        let started = try await start(input, parent: nil, synchronous: true)
        let deadline = clock.now() + 300
        var description = try await describeExecution(started.arn)
        while description.status == "RUNNING" && clock.now() < deadline {
            await completions.wait(timeout: .milliseconds(100), on: clock)
            description = try await describeExecution(started.arn)
        }
        var status = description.status
        if status == "RUNNING" {
            _ = try await stopExecution(
                StopExecutionInput(executionArn: started.arn, error: "States.Timeout", cause: "Express execution limit")
            )
            description = try await describeExecution(started.arn)
            status = "TIMED_OUT"
        }
        var output = StartSyncExecutionOutput(
            executionArn: started.arn, stateMachineArn: input.stateMachineArn, name: description.name,
            startDate: description.startDate, stopDate: description.stopDate ?? clock.now(),
            status: status == "ABORTED" ? "FAILED" : status, error: description.error, cause: description.cause,
            input: description.input, output: description.output)
        let billed = Int(((output.stopDate - output.startDate) * 1000).rounded(.up))
        output.billingDetails = ["billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": .int(max(100, billed))]
        return output
    }

    // MARK: Describe and list

    public func describeExecution(_ arn: String) async throws -> DescribeExecutionOutput {
        let output = try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM execution_rows WHERE \(ExecutionKey.whereArn)"),
                arguments: ExecutionKey(arn: arn).arguments
            ).map { row in
                var output = DescribeExecutionOutput(
                    executionArn: row["arn"], stateMachineArn: row["state_machine_arn"], name: row["name"],
                    status: row["status"], startDate: row["start_date"], stopDate: row["stop_date"],
                    input: row["input"], output: row["output"], error: row["error"], cause: row["cause"])
                let count: Int = row["redrive_count"]
                output.redriveCount = count
                output.redriveDate = row["redrive_date"]
                let status: String = row["status"]
                if ["FAILED", "TIMED_OUT", "ABORTED"].contains(status) {
                    output.redriveStatus = "REDRIVABLE"
                } else {
                    output.redriveStatus = "NOT_REDRIVABLE"
                    output.redriveStatusReason = "Execution is \(status) and cannot be redriven"
                }
                return output
            }
        }
        guard let output else { throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(arn)'") }
        return output
    }

    /// Where a page of ListExecutions starts: after its cursor, `(start_date, id)` of the last execution listed.
    /// `start_date <= ?` stands on its own so the index on (machine, start_date) starts the page at the cursor: with
    /// only the OR, SQLite finds no range for bound parameters, and every page walked the machine's executions from
    /// the newest (paging through a million took about 500 million row visits).
    static let listCursorSQL = " AND start_date <= ? AND (start_date < ? OR id < ?)"
    /// Executions started at the same time are listed the later-started first. Ordered by the row id, which ends
    /// every index's key, a page is read from the index in its order, with no sort.
    static let listOrderSQL = " ORDER BY start_date DESC, id DESC LIMIT ?"

    /// Executions newest first, paged by a token holding the last one's start date and row id.
    public func listExecutions(_ input: ListExecutionsInput) async throws -> ListExecutionsOutput {
        if let status = input.statusFilter, !Self.executionStatuses.contains(status) {
            throw AWSError.validation(
                "1 validation error detected: Value '\(status)' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [\(Self.executionStatuses.joined(separator: ", "))]"
            )
        }
        if let filter = input.redriveFilter, !["REDRIVEN", "NOT_REDRIVEN"].contains(filter) {
            throw AWSError.validation(
                "1 validation error detected: Value '\(filter)' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"
            )
        }
        let size = input.maxResults.flatMap { $0 > 0 ? $0 : nil } ?? PageToken.defaultPageSize
        guard size <= 1000 else {
            throw AWSError.validation(
                "1 validation error detected: Value '\(size)' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
            )
        }
        let after: (Double, Int64)? = try input.nextToken.map { token throws(AWSError) -> (Double, Int64) in
            let key = try PageToken.decode(token)
            guard let bar = key.firstIndex(of: "|"), let date = Double(key[..<bar]),
                let id = Int64(key[key.index(after: bar)...])
            else {
                throw AWSError("InvalidToken", "Invalid Token: 'Invalid pagination token'")
            }
            return (date, id)
        }
        // The listed columns only: an execution's stored state (its largest column) is not read to list it.
        var sql = """
            SELECT id, arn, state_machine_arn, name, status, start_date, stop_date, redrive_count, redrive_date
            FROM execution_rows WHERE 1
            """
        var arguments: StatementArguments = []
        if let machine = input.stateMachineArn {
            let type = try await database.read { db in try self.machineFacts(machine, db).type }
            if type == "EXPRESS" {
                throw AWSError(
                    "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
            }
            sql += " AND family = (SELECT id FROM execution_families WHERE prefix = ?)"
            _ = arguments.append(contentsOf: [ExecutionKey.family(ofMachine: machine, type: type)])
        }
        if let status = input.statusFilter {
            sql += " AND status = ?"
            _ = arguments.append(contentsOf: [status])
        }
        switch input.redriveFilter {
        case "REDRIVEN": sql += " AND redrive_count > 0"
        case "NOT_REDRIVEN": sql += " AND redrive_count = 0"
        default: break
        }
        if let (date, id) = after {
            sql += Self.listCursorSQL
            _ = arguments.append(contentsOf: [date, date, id])
        }
        sql += Self.listOrderSQL
        _ = arguments.append(contentsOf: [size + 1])
        // The text is one of a few shapes built from fixed fragments, so its compiled statement is kept.
        let items = try await database.read { [sql, arguments] db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map {
                row -> (id: Int64, item: ExecutionListItem) in
                var item = ExecutionListItem(
                    executionArn: row["arn"], stateMachineArn: row["state_machine_arn"], name: row["name"],
                    status: row["status"], startDate: row["start_date"], stopDate: row["stop_date"])
                let count: Int = row["redrive_count"]
                if count > 0 {
                    item.redriveCount = count
                    item.redriveDate = row["redrive_date"]
                }
                return (row["id"], item)
            }
        }
        let page = Array(items.prefix(size))
        let next = items.count > size ? page.last.map { PageToken.encode("\($0.item.startDate)|\($0.id)") } : nil
        return ListExecutionsOutput(executions: page.map(\.item), nextToken: next)
    }

    // MARK: History

    /// The history as GetExecutionHistory's JSON body, a page at a time (100 events unless asked otherwise).
    /// Events are stored as the JSON text they are served as (`HistoryChunk`), so a page is decompressed and forwarded
    /// without re-encoding.
    public func getExecutionHistory(_ input: GetExecutionHistoryInput) async throws -> [UInt8] {
        let size = input.maxResults.flatMap { $0 > 0 ? $0 : nil } ?? PageToken.defaultPageSize
        guard size <= 1000 else {
            throw AWSError.validation(
                "1 validation error detected: Value '\(size)' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
            )
        }
        let reverse = input.reverseOrder == true
        let after: Int? = try input.nextToken.map { token throws(AWSError) -> Int in
            guard let id = Int(try PageToken.decode(token)) else {
                throw AWSError("InvalidToken", "Invalid Token: 'Invalid pagination token'")
            }
            return id
        }
        let rows = try await database.read { db -> [(id: Int, text: String)]? in
            guard
                let execution = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM executions WHERE \(ExecutionKey.whereArn)"),
                    arguments: ExecutionKey(arn: input.executionArn).arguments)
            else { return nil }
            // Chunks in the page's order, from the one holding the first event wanted, until the page (and one
            // event more, which says whether a next page exists) is full.
            let sql =
                reverse
                ? "SELECT first_id, events FROM history WHERE execution = ? AND first_id < ? ORDER BY last_id DESC"
                : "SELECT first_id, events FROM history WHERE execution = ? AND last_id > ? ORDER BY last_id ASC"
            let cursor = try Row.fetchCursor(
                db.cachedStatement(sql: sql), arguments: [execution, after ?? (reverse ? Int.max : 0)])
            var events: [(id: Int, text: String)] = []
            while events.count <= size, let row = try cursor.next() {
                var texts = try HistoryChunk.eventTexts(row["events"], firstId: row["first_id"])
                if reverse { texts.reverse() }
                events += texts.filter { event in after.map { reverse ? event.id < $0 : event.id > $0 } ?? true }
            }
            return Array(events.prefix(size + 1))
        }
        guard let rows else {
            throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(input.executionArn)'")
        }
        let page = rows.prefix(size)
        var texts = page.map(\.text)
        if input.includeExecutionData == false { texts = texts.map(Self.withoutExecutionData) }
        var body = "{\"events\":[" + texts.joined(separator: ",") + "]"
        if rows.count > size, let last = page.last {
            body += ",\"nextToken\":" + JSONValue.string(PageToken.encode(String(last.id))).serialized()
        }
        return Array((body + "}").utf8)
    }

    /// An event without the input and output it carries (`includeExecutionData: false`).
    static func withoutExecutionData(_ text: String) -> String {
        guard case .object(var event) = (try? JSONValue.parse(text)) ?? .null else { return text }
        for key in event.keys where key.hasSuffix("EventDetails") {
            guard case .object(var details) = event[key] else { continue }
            for field in ["input", "output", "parameters"] { details[field] = nil }
            event[key] = .object(details)
        }
        return JSONValue.object(event).serialized()
    }

    // MARK: Stop and redrive

    public func stopExecution(_ input: StopExecutionInput) async throws -> StopExecutionOutput {
        try Self.validate(error: input.error, cause: input.cause)
        let now = clock.now()
        let stopDate: Double = try await database.write { db in
            guard
                let status = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT status FROM executions WHERE \(ExecutionKey.whereArn)"),
                    arguments: ExecutionKey(arn: input.executionArn).arguments)
            else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(input.executionArn)'")
            }
            if status == "RUNNING" {
                _ = try self.apply(
                    .stop(error: input.error, cause: input.cause), to: .arn(input.executionArn), db, now: now)
            }
            return try Double.fetchOne(
                db.cachedStatement(sql: "SELECT stop_date FROM executions WHERE \(ExecutionKey.whereArn)"),
                arguments: ExecutionKey(arn: input.executionArn).arguments) ?? now
        }
        return StopExecutionOutput(stopDate: stopDate)
    }

    /// RedriveExecution: a failed, timed-out or stopped STANDARD execution starts again at the state it failed in
    /// (README: a Parallel or Map state starts over whole).
    public func redriveExecution(_ input: RedriveExecutionInput) async throws -> RedriveExecutionOutput {
        let now = clock.now()
        try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT status, stop_date FROM executions WHERE \(ExecutionKey.whereArn)"),
                    arguments: ExecutionKey(arn: input.executionArn).arguments)
            else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(input.executionArn)'")
            }
            let status: String = row["status"]
            guard ["FAILED", "TIMED_OUT", "ABORTED"].contains(status), !input.executionArn.contains(":express:")
            else {
                throw AWSError(
                    "ExecutionNotRedrivable", "Execution is \(status) and cannot be redriven: '\(input.executionArn)'")
            }
            if let stopped = row["stop_date"] as Double?, now - stopped > Self.redriveWindow {
                throw AWSError(
                    "ExecutionNotRedrivable", "Execution can no longer be redriven: it ended more than 14 days ago")
            }
            guard let loaded = try self.load(.arn(input.executionArn), db) else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(input.executionArn)'")
            }
            var random: any RandomNumberGenerator = self.random.generator
            guard
                let step = loaded.interpreter.redrive(
                    state: loaded.state, identity: loaded.identity, now: now, random: &random)
            else {
                throw AWSError(
                    "ExecutionNotRedrivable", "Execution cannot be redriven: it failed before entering a state")
            }
            try self.persist(step, identity: loaded.identity, db, as: .existing(id: loaded.id))
            try db.executeCached(
                sql: "UPDATE executions SET redrive_count = redrive_count + 1, redrive_date = ? WHERE id = ?",
                arguments: [now, loaded.id])
        }
        return RedriveExecutionOutput(redriveDate: now)
    }
}
