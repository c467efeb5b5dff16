import Foundation
import JSON
import Logging
import ServiceSupport
import Storage
import Synchronization
import Wire
import ZeroMQ

/// The Lambda the simulator invokes when the external work is done (upstream's `WorkflowCallbackSimulator`):
/// `payload.status == "success"` → SendTaskSuccess, anything else → SendTaskFailure.
///
/// Unlike upstream it is idempotent (a repeated invocation gets the first answer) and it tells transient
/// failures from final ones: when the orchestrator does not answer it fails with `ServiceException`, which the
/// simulator definition's Retry covers; an answer such as TaskTimedOut is final, recorded, and returned as the
/// function's error.
public final class CallbackSender: Sendable {
    public static let successOutput: JSONValue = ["status": 200, "payload": ["body": "sample sucess message"]]
    public static let failureError = "sample error message"

    let database: GroupCommitDatabase
    let orchestrator: any OperationCaller
    let clock: any WallClock
    let logger: Logger
    /// Send the token through JSON.stringify, as upstream does (the orchestrator then answers InvalidToken).
    let quoteToken: Bool
    /// The function's Timeout: an invocation ends with Lambda's timeout error past it.
    let timeout: Double
    /// The invocations being handled now, by idempotency key: a repeated delivery joins the first.
    private let inFlight = Mutex<[String: Task<InvokeOutput, any Error>]>([:])

    public convenience init(
        database: any DatabaseWriter, orchestrator: any OperationCaller, clock: any WallClock, quoteToken: Bool = false,
        timeout: Double = LambdaRuntime.defaultTimeout, logger: Logger
    ) {
        self.init(
            storage: GroupCommitDatabase(database), orchestrator: orchestrator, clock: clock, quoteToken: quoteToken,
            timeout: timeout, logger: logger)
    }

    /// A callback sender on `storage`: a simulation's, which commits when the simulation says.
    public init(
        storage: GroupCommitDatabase, orchestrator: any OperationCaller, clock: any WallClock,
        quoteToken: Bool = false, timeout: Double = LambdaRuntime.defaultTimeout, logger: Logger
    ) {
        self.timeout = timeout
        self.database = storage
        self.orchestrator = orchestrator
        self.clock = clock
        self.quoteToken = quoteToken
        self.logger = logger
    }

    static var migrator: DatabaseMigrator {
        Store.migrator([
            "v1": """
            CREATE TABLE callbacks (
                id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT UNIQUE, task_token TEXT NOT NULL,
                action TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, reply TEXT NOT NULL, at REAL NOT NULL);
            """
        ])
    }

    public static func openDatabase(path: String) throws -> DatabasePool {
        try Store.open(path: path, migrator: migrator)
    }

    /// Handles one `Invoke`. The check for an earlier answer and the claim of the key are one step: a second
    /// delivery of the same invocation while the first is still calling the orchestrator (its caller gave up and
    /// retried) waits for the first's answer instead of sending the callback again.
    public func invoke(_ input: InvokeInput, idempotencyKey: String?) async throws -> InvokeOutput {
        guard let idempotencyKey else {
            return try await LambdaRuntime.invoke(timeout: timeout, on: clock) {
                try await self.handle(input, idempotencyKey: nil)
            }
        }
        let claim = inFlight.withLock { calls in
            if let first = calls[idempotencyKey] { return first }
            let task = spawn {
                // Leaves the table only once the answer is recorded, so a later delivery reads the record.
                defer { _ = self.inFlight.withLock { $0.removeValue(forKey: idempotencyKey) } }
                return try await self.handle(input, idempotencyKey: idempotencyKey)
            }
            calls[idempotencyKey] = task
            return task
        }
        return try await LambdaRuntime.invoke(timeout: timeout, on: clock) { try await claim.value }
    }

    /// How long the orchestrator is given: the function's time less a margin, so that a silent orchestrator
    /// ends the invocation with ServiceException (which the caller's Retry covers), not with a timeout.
    var orchestratorTimeout: Duration { .seconds(max(timeout - 0.5, timeout / 2)) }

    private func handle(_ input: InvokeInput, idempotencyKey: String?) async throws -> InvokeOutput {
        if let idempotencyKey,
            let recorded = try await database.read({ db in
                try String.fetchOne(
                    db.cachedStatement(sql: "SELECT reply FROM callbacks WHERE idempotency_key = ?"),
                    arguments: [idempotencyKey])
            })
        {
            return try WireCoding.decode(InvokeOutput.self, from: Array(recorded.utf8))
        }
        guard let event = input.Payload, let token = event["taskToken"]?.stringValue,
            let status = event["payload"]?["status"]
        else {
            return InvokeOutput(
                Payload: ["errorType": "TypeError", "errorMessage": "The event has no taskToken or payload.status"],
                FunctionError: "Unhandled")
        }
        let sentToken = quoteToken ? JSONValue.string(token).serialized() : token
        let action: String
        do {
            if status.stringValue == "success" {
                action = StepFunctions.sendTaskSuccess.name
                _ = try await orchestrator.call(
                    StepFunctions.sendTaskSuccess,
                    SendTaskSuccessInput(taskToken: sentToken, output: Self.successOutput.serialized()),
                    timeout: orchestratorTimeout)
            } else {
                action = StepFunctions.sendTaskFailure.name
                _ = try await orchestrator.call(
                    StepFunctions.sendTaskFailure,
                    SendTaskFailureInput(taskToken: sentToken, error: Self.failureError, cause: Self.failureError),
                    timeout: orchestratorTimeout)
            }
        } catch let error as AWSError {
            let reply = InvokeOutput(
                Payload: ["errorType": .string(error.type), "errorMessage": .string(error.message)],
                FunctionError: "Unhandled")
            try await record(
                idempotencyKey, token: token,
                action: status.stringValue == "success" ? "SendTaskSuccess" : "SendTaskFailure",
                outcome: error.type, message: error.message, reply: reply)
            logger.info("callback refused: \(error)")
            return reply
        } catch {
            logger.warning("orchestrator unreachable: \(error)")
            throw AWSError("ServiceException", "The orchestrator did not answer: \(error)")
        }
        let reply = InvokeOutput(Payload: .null)
        try await record(idempotencyKey, token: token, action: action, outcome: "OK", message: nil, reply: reply)
        return reply
    }

    private func record(
        _ key: String?, token: String, action: String, outcome: String, message: String?, reply: InvokeOutput
    ) async throws {
        let text = String(decoding: WireCoding.encode(reply), as: UTF8.self)
        let now = clock.now()
        try await database.write { db in
            try db.executeCached(
                sql:
                    "INSERT OR IGNORE INTO callbacks (idempotency_key, task_token, action, outcome, message, reply, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [key, token, action, outcome, message, text, now])
        }
    }

    /// Every callback sent, for the CLI and the experiment checker.
    public func listCallbacks() async throws -> JSONValue {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT task_token, action, outcome, message, at FROM callbacks ORDER BY id").map
            { row -> JSONValue in
                var object = JSONObject()
                object["taskToken"] = .string(row["task_token"])
                object["action"] = .string(row["action"])
                object["outcome"] = .string(row["outcome"])
                if let message = row["message"] as String? { object["message"] = .string(message) }
                object["at"] = .double(row["at"])
                return .object(object)
            }
        }
        return ["callbacks": .array(rows)]
    }
}

extension CallbackSender {
    /// The callback function, and the record of what it sent.
    public var router: WireRouter {
        var router = WireRouter()
        router.on(Lambda.invoke) { input, request in try await self.invoke(input, idempotencyKey: request.header.idem) }
        router.on(Control.listCallbacks) { _, _ in try await self.listCallbacks() }
        return router
    }
}

/// The `callback-sender` process.
public enum CallbackSenderService: ServiceDefinition {
    public static let processName = "callback-sender"

    public struct Options: ServiceOptions {
        public var dataDirectory: String
        public var endpoint: String
        public var orchestrator: String
        public var quoteToken: Bool
        public var clock: any WallClock
        /// The function's Timeout in seconds, as Lambda enforces it.
        public var timeout: Double

        public init(
            dataDirectory: String, endpoint: String, orchestrator: String, quoteToken: Bool = false,
            clock: any WallClock = AdjustableWallClock(), timeout: Double = LambdaRuntime.defaultTimeout
        ) {
            self.clock = clock
            self.timeout = timeout
            self.dataDirectory = dataDirectory
            self.endpoint = endpoint
            self.orchestrator = orchestrator
            self.quoteToken = quoteToken
        }
    }

    /// The callback function, in `environment`.
    public static func parts(_ options: Options, in environment: ProcessEnvironment) async throws -> ServiceParts {
        let sender = CallbackSender(
            storage: try environment.database("callback-sender.sqlite", CallbackSender.migrator),
            orchestrator: try await environment.connect("orchestrator", options.orchestrator), clock: options.clock,
            quoteToken: options.quoteToken, timeout: options.timeout, logger: environment.logger)
        return ServiceParts(router: sender.router)
    }
}
