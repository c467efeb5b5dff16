import Formats
import Foundation
import JSON
import Logging
import SeededRandom
import ServiceSupport
import StatesLanguage
import Storage
import Synchronization
import Wire

/// Performs the integration calls the interpreter asks for (SQS, SNS, Lambda, …).
public protocol TaskDispatcher: Sendable {
    /// `idempotencyKey` is the same for every delivery attempt of one call, so a receiver can drop repeats.
    func dispatch(_ invocation: TaskInvocation, executionArn: String, idempotencyKey: String) async -> DispatchOutcome
    /// Whether it can call `resource` at all: a machine that names another is refused when it is created.
    func supports(_ resource: TaskResource) -> Bool
}

extension TaskDispatcher {
    public func supports(_ resource: TaskResource) -> Bool { true }
}

/// An outbox row due for an attempt: its id, its execution (row id and ARN), and the call (nil: its row could not
/// be read back).
struct OwedCall: Sendable {
    var id: Int64
    var execution: Int64
    var executionArn: String
    var invocation: TaskInvocation?
    var attempts: Int
}

/// A timer that is due: its execution (ARN and row id) and its id within it.
struct DueTimer: Sendable {
    var executionArn: String
    var execution: Int64
    var timerId: String
}

/// An execution's identity and its stored state, decoded, with the value it was read from.
struct DecodedExecution: Sendable {
    var identity: ExecutionIdentity
    /// The `state` column as stored: a compressed blob (`StoredText`), or the text an earlier version stored.
    var storedState: DatabaseValue
    var state: ExecutionState
}

public enum DispatchOutcome: Sendable, Equatable {
    /// The service answered: its response (SendMessage's MessageId, Invoke's payload, …).
    case completed(JSONValue)
    /// The service answered with an error: the task fails with it (and Retry/Catch apply).
    case failed(error: String, cause: String?)
    /// No answer (peer down, timeout): delivery is retried; the service was never told no.
    case unavailable(String)
}

public struct EngineConfiguration: Sendable {
    public var region: String
    public var accountId: String
    public var roleArn: String

    public init(region: String = "us-east-1", accountId: String = "000000000000", roleArn: String? = nil) {
        self.region = region
        self.accountId = accountId
        self.roleArn = roleArn ?? "arn:aws:iam::\(accountId):role/callbacksim-execution-role"
    }
}

/// Step Functions' execution engine: state machines, executions, task tokens, timers and history, kept in SQLite.
///
/// Every change to an execution is one transaction: the interpreter's new state, the history events it wrote,
/// the timers and tokens it set, and the integration calls it owes (an outbox). A crash between "state entered"
/// and "message sent" therefore neither loses the message (the outbox row survives) nor sends it twice (its
/// idempotency key is deterministic).
public final class WorkflowEngine: Sendable {
    public static let payloadLimit = 262_144

    let database: GroupCommitDatabase
    /// The workflow clock: timers, timestamps, and every wait of the engine and its loops.
    public let clock: any WallClock
    /// Execution names, revisions and task tokens: seeded in a simulation, so a seed names everything the same.
    let random: any RandomSource
    let dispatcher: any TaskDispatcher
    let configuration: EngineConfiguration
    let logger: Logger
    private let interpreters = Mutex<[String: Interpreter]>([:])
    /// Signalled whenever an execution ends: StartSyncExecution waits on it.
    let completions = Broadcast()
    /// Due timers (Wait states, task timeouts, heartbeats, retry back-offs), fired in one transaction a batch.
    let timers: Scheduler<DueTimer>
    /// Owed integration calls (the outbox), each attempted on its own until answered.
    let outbox: Scheduler<OwedCall>
    /// Running executions as last decoded or written, each with the stored value it stands for. A step still reads
    /// the row (the database stays the truth: a rolled-back write or a changed row simply does not match) but
    /// decodes it only when its value is not the one remembered.
    private let decodedExecutions = Mutex<[String: DecodedExecution]>([:])
    static let decodedExecutionsLimit = 20_000

    public convenience init(
        database: any DatabaseWriter, clock: any WallClock, dispatcher: any TaskDispatcher,
        configuration: EngineConfiguration = EngineConfiguration(), logger: Logger,
        random: any RandomSource = SystemRandomSource()
    ) {
        self.init(
            storage: GroupCommitDatabase(database), clock: clock, dispatcher: dispatcher,
            configuration: configuration, logger: logger, random: random)
    }

    /// An engine on `storage`: a simulation's, which commits when the simulation says.
    public init(
        storage: GroupCommitDatabase, clock: any WallClock, dispatcher: any TaskDispatcher,
        configuration: EngineConfiguration = EngineConfiguration(), logger: Logger,
        random: any RandomSource = SystemRandomSource()
    ) {
        self.database = storage
        self.clock = clock
        self.random = random
        self.dispatcher = dispatcher
        self.configuration = configuration
        self.logger = logger
        timers = Scheduler("timers", clock: clock, logger: logger)
        outbox = Scheduler("outbox", clock: clock, logger: logger)
    }

    /// Opens (or creates) the engine's database file.
    public static func openDatabase(path: String) throws -> DatabasePool {
        try Store.open(path: path, migrator: EngineSchema.migrator)
    }

    public static func inMemoryDatabase() throws -> DatabaseQueue {
        try Store.inMemory(migrator: EngineSchema.migrator)
    }

    /// The engine's schema, migration by migration: a database of an older version is brought up to date when
    /// it is opened.
    public static var schemaMigrator: DatabaseMigrator { EngineSchema.migrator }

    // MARK: ARNs

    func stateMachineArn(_ name: String, _ scope: Scope) -> String {
        "arn:aws:states:\(scope.region):\(scope.account):stateMachine:\(name)"
    }

    /// The engine's own region and account, for requests that name none.
    public var ownScope: Scope { Scope(region: configuration.region, account: configuration.accountId) }

    /// The region and account an ARN is in.
    static func scope(ofArn arn: String) -> Scope? {
        let parts = ARN.fields(arn)
        guard parts.count >= 5, parts[0] == "arn" else { return nil }
        return Scope(region: String(parts[3]), account: String(parts[4]))
    }

    static func isValidName(_ name: String) -> Bool {
        (1...80).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_"
            }
    }

    // MARK: Interpreters

    /// One interpreter per revision of a machine, parsed once.
    func cache(_ interpreter: Interpreter, arn: String, revision: String) {
        interpreters.withLock { $0["\(arn)#\(revision)"] = interpreter }
    }

    /// The interpreter of a machine's revision: the one an execution started with.
    func interpreter(for arn: String, revision: String, _ db: Database) throws -> Interpreter {
        if let cached = interpreters.withLock({ $0["\(arn)#\(revision)"] }) { return cached }
        guard
            let text = try String.fetchOne(
                db.cachedStatement(
                    sql: "SELECT definition FROM revisions WHERE state_machine_arn = ? AND revision_id = ?"),
                arguments: [arn, revision])
        else { throw AWSError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(arn)'") }
        let region = Self.scope(ofArn: arn)?.region ?? configuration.region
        let interpreter = Interpreter(definition: try StateMachineDefinition.parse(text), region: region)
        cache(interpreter, arn: arn, revision: revision)
        return interpreter
    }

    /// The state machines of the caller's region and account, by name.
    public func listStateMachines(_ input: ListStateMachinesInput = ListStateMachinesInput(), scope: Scope? = nil)
        async throws -> ListStateMachinesOutput
    {
        let scope = scope ?? ownScope
        let after = try input.nextToken.map { token throws(AWSError) in try PageToken.decode(token) } ?? ""
        let size = input.maxResults.flatMap { $0 > 0 ? $0 : nil } ?? PageToken.defaultPageSize
        let prefix = "arn:aws:states:\(scope.region):\(scope.account):stateMachine:"
        let items = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT arn, name, type, created FROM state_machines
                    WHERE name > ? AND substr(arn, 1, ?) = ? ORDER BY name LIMIT ?
                    """,
                arguments: [after, prefix.count, prefix, size + 1]
            ).map {
                StateMachineListItem(
                    stateMachineArn: $0["arn"], name: $0["name"], type: $0["type"], creationDate: $0["created"])
            }
        }
        let page = Array(items.prefix(size))
        return ListStateMachinesOutput(
            stateMachines: page, nextToken: items.count > size ? page.last.map { PageToken.encode($0.name) } : nil)
    }

    // MARK: Task tokens

    public func sendTaskSuccess(_ input: SendTaskSuccessInput) async throws {
        guard input.output.utf8.count <= Self.payloadLimit else {
            throw AWSError.validation(
                "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to \(Self.payloadLimit)"
            )
        }
        let output: JSONValue
        do {
            output = try JSONValue.parse(input.output)
        } catch {
            throw AWSError("InvalidOutput", "Invalid Output: '\(error)'")
        }
        try await completeTask(token: input.taskToken) { .taskSucceeded(taskKey: $0, output: output) }
    }

    /// The limits AWS puts on an `error` and `cause` (SendTaskFailure, StopExecution).
    static func validate(error: String?, cause: String?) throws {
        if let error, error.count > 256 {
            throw AWSError.validation(
                "1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256"
            )
        }
        if let cause, cause.count > 32_768 {
            throw AWSError.validation(
                "1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768"
            )
        }
    }

    public func sendTaskFailure(_ input: SendTaskFailureInput) async throws {
        try Self.validate(error: input.error, cause: input.cause)
        try await completeTask(token: input.taskToken) {
            .taskFailed(taskKey: $0, error: input.error ?? "", cause: input.cause)
        }
    }

    public func sendTaskHeartbeat(_ input: SendTaskHeartbeatInput) async throws {
        try await completeTask(token: input.taskToken) { .heartbeat(taskKey: $0) }
    }

    /// Token rules (research/semantics.md §1.3): malformed → InvalidToken; well-formed but unknown →
    /// TaskDoesNotExist; known but closed (used, timed out, stopped) → TaskTimedOut.
    private func completeTask(token: String, _ event: @escaping @Sendable (String) -> ExecutionEvent) async throws {
        guard token.count <= 2048, TaskToken.isWellFormed(token) else {
            throw AWSError("InvalidToken", "Invalid Token: 'Invalid token'")
        }
        let now = clock.now()
        try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT execution, task_key, open FROM task_tokens WHERE token = ?
                            """),
                    arguments: [token]
                )
            else {
                throw AWSError("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'")
            }
            guard row["open"] as Bool,
                try self.apply(event(row["task_key"]), to: .id(row["execution"]), db, now: now) != nil
            else {
                throw AWSError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
            }
        }
    }

    // MARK: Applying steps

    /// An execution as a step finds it: by the ARN a caller names, or by the row id its timer, task token or owed
    /// call holds.
    enum ExecutionReference {
        case arn(String)
        case id(Int64)
    }

    /// An execution as loaded for a step: its row id, identity and state, and the interpreter of its revision.
    struct LoadedExecution {
        var id: Int64
        var identity: ExecutionIdentity
        var state: ExecutionState
        var interpreter: Interpreter
    }

    /// Loads an execution, applies one event, and persists the step, inside the caller's transaction.
    /// Returns nil when the event did not apply (stale, or the execution is closed).
    func apply(_ event: ExecutionEvent, to execution: ExecutionReference, _ db: Database, now: Double) throws -> Step? {
        guard let loaded = try load(execution, db) else { return nil }
        var random: any RandomNumberGenerator = self.random.generator
        guard
            let step = loaded.interpreter.handle(
                event, state: loaded.state, identity: loaded.identity, now: now, random: &random)
        else { return nil }
        try persist(step, identity: loaded.identity, db, as: .existing(id: loaded.id))
        return step
    }

    /// What a step reads of its execution's row: the identity's parts, the revision it runs, its stored state.
    static let loadColumns = "id, arn, state_machine_arn, revision_id, name, start_date, input, role_arn, state"

    /// An execution's row id, identity and state, and the interpreter of the revision it runs; nil if there is none.
    func load(_ execution: ExecutionReference, _ db: Database) throws -> LoadedExecution? {
        let row: Row?
        switch execution {
        case .arn(let arn):
            row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(Self.loadColumns) FROM execution_rows WHERE \(ExecutionKey.whereArn)"),
                arguments: ExecutionKey(arn: arn).arguments)
        case .id(let id):
            row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.loadColumns) FROM execution_rows WHERE id = ?"), arguments: [id])
        }
        guard let row else { return nil }
        let executionArn: String = row["arn"]
        let storedState: DatabaseValue = row["state"]
        let decoded: DecodedExecution
        if let cached = decodedExecutions.withLock({ $0[executionArn] }), cached.storedState == storedState,
            cached.identity.input == row["input"] as String
        {
            decoded = cached
        } else {
            let machineArn: String = row["state_machine_arn"]
            let identity = ExecutionIdentity(
                executionArn: executionArn, name: row["name"], stateMachineArn: machineArn,
                stateMachineName: (try? machineName(fromArn: machineArn)) ?? "", roleArn: row["role_arn"],
                startTime: row["start_date"], input: row["input"])
            decoded = try decode(identity, storedState: storedState)
            remember(decoded)
        }
        let interpreter = try self.interpreter(for: row["state_machine_arn"], revision: row["revision_id"], db)
        return LoadedExecution(
            id: row["id"], identity: decoded.identity, state: decoded.state, interpreter: interpreter)
    }

    /// Reads a stored state back, refusing (loudly) an execution that no longer reads as it was written.
    private func decode(_ identity: ExecutionIdentity, storedState: DatabaseValue) throws -> DecodedExecution {
        let executionArn = identity.executionArn
        do {
            let stateText = try Self.storedText(storedState)
            let state = try JSONValueDecoder().decode(ExecutionState.self, from: stateText.utf8)
            guard (try? JSONValue.parse(identity.input)) != nil else {
                throw CorruptExecutionState(executionArn: executionArn, detail: "its input is not JSON")
            }
            try state.validate(executionArn: executionArn)
            return DecodedExecution(identity: identity, storedState: storedState, state: state)
        } catch let error as CorruptExecutionState {
            logger.critical("\(error)")
            throw error
        } catch {
            let corrupt = CorruptExecutionState(executionArn: executionArn, detail: "\(error)")
            logger.critical("\(corrupt)")
            throw corrupt
        }
    }

    private func remember(_ decoded: DecodedExecution) {
        decodedExecutions.withLock { cache in
            // A bound, not an eviction policy: past it the cache starts over and fills again from the steps.
            if cache.count >= Self.decodedExecutionsLimit { cache.removeAll(keepingCapacity: true) }
            cache[decoded.identity.executionArn] = decoded
        }
    }

    /// The row a step is written to: a new execution's, which records the revision of its machine it runs and the
    /// execution that started it (a states:startExecution task), if one did; or an existing one's.
    enum StepRow {
        case new(revision: String, parent: ParentLink?)
        case existing(id: Int64)
    }

    /// Writes a step: the execution's row, its new history events, and the timers, tokens and owed calls its
    /// effects ask for, in the caller's transaction.
    func persist(_ step: Step, identity: ExecutionIdentity, _ db: Database, as row: StepRow) throws {
        // State and events are stored compressed with the Step Functions dictionary, at under a third of their text.
        let storedState = StoredText.compress(step.state.jsonBytes, with: .stepFunctions1).databaseValue
        let state = step.state
        if state.status == .running {
            remember(DecodedExecution(identity: identity, storedState: storedState, state: state))
        } else {
            decodedExecutions.withLock { _ = $0.removeValue(forKey: identity.executionArn) }
        }
        let executionId: Int64
        switch row {
        case .new(let revision, let parent):
            // The execution's family is recorded once, by its first execution; its revision already is.
            let key = ExecutionKey(arn: identity.executionArn)
            try db.executeCached(
                sql: "INSERT INTO execution_families (prefix) VALUES (?) ON CONFLICT DO NOTHING",
                arguments: [key.family])
            try db.executeCached(
                sql: """
                    INSERT INTO executions (family, tail, revision, status, start_date, stop_date, input, output,
                        error, cause, state, parent_arn, parent_task, parent_output)
                        VALUES ((SELECT id FROM execution_families WHERE prefix = ?), ?,
                        (SELECT id FROM revisions WHERE state_machine_arn = ? AND revision_id = ?),
                        ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.family, key.tail, identity.stateMachineArn, revision, state.status.rawValue,
                    identity.startTime, state.stopDate, identity.input, state.output, state.error, state.cause,
                    storedState, parent?.executionArn, parent?.taskKey, parent?.parsedOutput == true ? "parsed" : nil,
                ])
            executionId = db.lastInsertedRowID
        case .existing(let id):
            try db.executeCached(
                sql: """
                    UPDATE executions SET status = ?, stop_date = ?, output = ?, error = ?, cause = ?, state = ?
                    WHERE id = ?
                    """,
                arguments: [
                    state.status.rawValue, state.stopDate, state.output, state.error, state.cause, storedState, id,
                ])
            guard db.changesCount > 0 else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(identity.executionArn)'")
            }
            executionId = id
        }
        for chunk in HistoryChunk.chunks(of: step.events) {
            try db.executeCached(
                sql: "INSERT INTO history (execution, first_id, last_id, events) VALUES (?, ?, ?, ?)",
                arguments: [executionId, chunk.firstId, chunk.lastId, chunk.stored])
        }
        var earliestTimer: Double?
        var owed: [OwedCall] = []
        for effect in step.effects {
            switch effect {
            case .invoke(let invocation):
                let text = invocation.jsonText
                try db.executeCached(
                    sql: "INSERT INTO outbox (execution, task_key, invocation, next_attempt) VALUES (?, ?, ?, ?)",
                    arguments: [executionId, invocation.taskKey, text, 0])
                owed.append(
                    OwedCall(
                        id: db.lastInsertedRowID, execution: executionId, executionArn: identity.executionArn,
                        invocation: invocation, attempts: 0))
            case .cancelInvocation(let taskKey):
                // The task ended before its call was answered: the call is no longer owed, and an attempt in
                // flight is stopped once this step is committed.
                let cancelled = try Int64.fetchAll(
                    db.cachedStatement(sql: "DELETE FROM outbox WHERE execution = ? AND task_key = ? RETURNING id"),
                    arguments: [executionId, taskKey])
                if !cancelled.isEmpty { database.afterCommit { self.outbox.cancel(cancelled) } }
            case .startTimer(let id, let dueAt):
                earliestTimer = min(earliestTimer ?? dueAt, dueAt)
                try db.executeCached(
                    sql: "INSERT OR REPLACE INTO timers (execution, timer_id, due) VALUES (?, ?, ?)",
                    arguments: [executionId, id, dueAt])
            case .cancelTimer(let id):
                try db.executeCached(
                    sql: "DELETE FROM timers WHERE execution = ? AND timer_id = ?",
                    arguments: [executionId, id])
            case .issueToken(let token, let taskKey):
                try db.executeCached(
                    sql: "INSERT INTO task_tokens (token, execution, task_key, open) VALUES (?, ?, ?, 1)",
                    arguments: [token, executionId, taskKey])
            case .retireToken(let token):
                try db.executeCached(
                    sql: "UPDATE task_tokens SET open = 0, closed_at = ? WHERE token = ?",
                    arguments: [step.events.last?.timestamp, token])
            }
        }
        // The loops (and StartSyncExecution, for an end) are told once the step is committed, so what they
        // then read includes it.
        if let earliestTimer { database.afterCommit { self.timers.wake(dueAt: earliestTimer) } }
        // The calls are in hand: their attempts start once the step is committed, without a look at the outbox.
        if !owed.isEmpty { database.afterCommit { [owed] in self.outbox.offer(owed) } }
        if state.status != .running {
            database.afterCommit { self.completions.signal() }
            try executionEnded(identity, state, db)
        }
    }

    /// What an execution's end sets going: a machine waiting to be deleted goes, and a parent execution that
    /// waits on this one (states:startExecution) is told.
    func executionEnded(_ identity: ExecutionIdentity, _ state: ExecutionState, _ db: Database) throws {
        try completeParent(ofChild: identity.executionArn, db, now: state.stopDate ?? clock.now())
        try finishDeletion(of: identity.stateMachineArn, db)
    }

    // MARK: Background loops

    /// Fires due timers (Wait states, task timeouts, heartbeats, retry back-offs) until cancelled.
    public func runTimers() async {
        await timers.run(.batch(fire)) { now, limit in
            try await self.database.read { db in
                let due = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT execution_rows.arn, timers.execution, timers.timer_id FROM timers
                            JOIN execution_rows ON execution_rows.id = timers.execution
                            WHERE timers.due <= ? ORDER BY timers.due LIMIT ?
                            """),
                    arguments: [now, limit]
                ).map { DueTimer(executionArn: $0["arn"], execution: $0["execution"], timerId: $0["timer_id"]) }
                let next = try Double.fetchOne(
                    db.cachedStatement(sql: "SELECT MIN(due) FROM timers WHERE due > ?"), arguments: [now])
                return .init(items: due, next: next)
            }
        }
    }

    /// Fires due timers in one write, each in a savepoint of its own, so one execution's error (logged, its timer
    /// kept for the next look) does not hold back the others. Returns how many failed.
    private func fire(_ due: [DueTimer]) async throws -> Int {
        let firedAt = clock.now()
        let failures = try await database.write { db in
            var failures: [String] = []
            for timer in due {
                let (arn, id) = (timer.executionArn, timer.timerId)
                do {
                    // A timer whose step fails rolls back alone, with the calls its step would have started.
                    try self.database.inSavepoint(db) {
                        try db.executeCached(
                            sql: "DELETE FROM timers WHERE execution = ? AND timer_id = ? AND due <= ?",
                            arguments: [timer.execution, id, firedAt])
                        if db.changesCount > 0 {
                            self.logger.trace("timer \(id) of \(arn) fired")
                            _ = try self.apply(.timerFired(id: id), to: .id(timer.execution), db, now: firedAt)
                        }
                    }
                } catch {
                    failures.append("timer \(id) of \(arn): \(error)")
                }
            }
            return failures
        }
        for failure in failures { logger.error("\(failure)") }
        return failures.count
    }

    /// Delivers owed calls, each in its own attempt, retrying those that get no answer, until cancelled.
    public func runOutbox(maxConcurrent: Int = 256) async {
        await outbox.run(.concurrent(max: maxConcurrent, id: \.id, deliver)) { now, limit in
            try await self.database.read { db in
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT outbox.id, outbox.execution, execution_rows.arn, outbox.invocation, outbox.attempts
                            FROM outbox
                            JOIN execution_rows ON execution_rows.id = outbox.execution
                            WHERE outbox.next_attempt <= ? ORDER BY outbox.id LIMIT ?
                            """
                    ), arguments: [now, limit]
                ).map {
                    OwedCall(
                        id: $0["id"], execution: $0["execution"], executionArn: $0["arn"],
                        invocation: try? JSONValueDecoder().decode(
                            TaskInvocation.self, from: ($0["invocation"] as String).utf8),
                        attempts: $0["attempts"])
                }
                let next = try Double.fetchOne(
                    db.cachedStatement(sql: "SELECT MIN(next_attempt) FROM outbox WHERE next_attempt > ?"),
                    arguments: [now])
                return .init(items: rows, next: next)
            }
        }
    }

    /// One attempt at an owed call: its result is applied to the execution (and the row deleted) in one write, or,
    /// with no answer, the row is due again after a back-off.
    private func deliver(_ call: OwedCall) async -> Scheduler<OwedCall>.AttemptEnd {
        let (id, executionArn, attempts) = (call.id, call.executionArn, call.attempts)
        guard let invocation = call.invocation else {
            logger.error("dropping unreadable outbox row \(id)")
            _ = try? await database.write { db in
                try db.executeCached(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            }
            return .settled
        }
        let outcome = await dispatch(
            invocation, executionArn: executionArn, idempotencyKey: "\(executionArn)#\(invocation.taskKey)")
        let event: ExecutionEvent
        switch outcome {
        case .unavailable(let reason):
            let delay = min(0.05 * pow(2, Double(min(attempts, 10))), 2.0)
            logger.debug(
                "\(invocation.resource.resource) for \(executionArn) not delivered (\(reason)); retrying in \(delay)s")
            let next = clock.now() + delay
            _ = try? await database.write { db in
                try db.executeCached(
                    sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt = ? WHERE id = ?",
                    arguments: [next, id])
            }
            return .owedAgain
        case .completed(let output):
            // A callback or a child execution finishes the task later; the call only submitted it.
            event =
                invocation.resource.pattern == .requestResponse
                ? .taskSucceeded(taskKey: invocation.taskKey, output: output)
                : .taskSubmitted(taskKey: invocation.taskKey, output: output)
        case .failed(let error, let cause):
            event = .taskFailed(taskKey: invocation.taskKey, error: error, cause: cause)
        }
        let now = clock.now()
        do {
            try await database.write { db in
                try db.executeCached(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
                guard db.changesCount > 0 else { return }
                _ = try self.apply(event, to: .id(call.execution), db, now: now)
                // A `.sync` child may have ended already: now that the task is submitted, it completes it.
                if case .taskSubmitted(_, let output) = event, invocation.resource.resourceType == "states",
                    let child = output["ExecutionArn"]?.stringValue
                {
                    try self.completeParent(ofChild: child, db, now: now)
                }
            }
        } catch is CancellationError {
            return .owedAgain  // shutting down: the outbox row stays and is delivered after the restart
        } catch {
            logger.error("applying the result of \(invocation.resource.resource) to \(executionArn): \(error)")
            return .owedAgain
        }
        return .settled
    }
}
