import Foundation
import JSON
import Logging
import Orchestrator
import SeededRandom
import ServiceSupport
import Simulation
import StatesLanguage
import Storage
import Synchronization
import Testing
import Wire

/// A dispatcher whose answers the test scripts, recording every call.
final class ScriptedDispatcher: TaskDispatcher {
    let calls = Mutex<[(TaskInvocation, String)]>([])
    let script: @Sendable (TaskInvocation, Int) -> DispatchOutcome

    init(_ script: @escaping @Sendable (TaskInvocation, Int) -> DispatchOutcome) {
        self.script = script
    }

    func dispatch(_ invocation: TaskInvocation, executionArn: String, idempotencyKey: String) async -> DispatchOutcome {
        let attempt = calls.withLock { calls in
            calls.append((invocation, idempotencyKey))
            return calls.filter { $0.1 == idempotencyKey }.count
        }
        return script(invocation, attempt)
    }

    var invocations: [TaskInvocation] { calls.withLock { $0.map(\.0) } }
    var keys: [String] { calls.withLock { $0.map(\.1) } }
}

/// A dispatcher whose peer never answers: each call waits an hour, unless its attempt is stopped.
final class HangingDispatcher: TaskDispatcher {
    let clock: any WallClock
    let stopped = Mutex(false)

    init(clock: any WallClock) { self.clock = clock }

    func dispatch(_ invocation: TaskInvocation, executionArn: String, idempotencyKey: String) async -> DispatchOutcome {
        try? await clock.sleep(for: .seconds(3600))
        if Task.isCancelled { stopped.withLock { $0 = true } }
        return .unavailable("no answer")
    }
}

let waitingMachine = #"""
    {"StartAt":"Send","States":{
      "Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token","input.$":"$"}},"TimeoutSeconds":60,"Next":"Done"},
      "Done":{"Type":"Succeed"}}}
    """#

/// An engine on an in-memory database, its loops running until the test ends.
struct EngineFixture {
    let engine: WorkflowEngine
    let clock = ManualWallClock()
    let dispatcher: ScriptedDispatcher
    let loops: [Task<Void, Never>]

    init(
        database: (any DatabaseWriter)? = nil, random: any RandomSource = SystemRandomSource(),
        _ script: @escaping @Sendable (TaskInvocation, Int) -> DispatchOutcome = { _, _ in
            .completed(["MessageId": "m"])
        }
    ) throws {
        dispatcher = ScriptedDispatcher(script)
        engine = WorkflowEngine(
            database: try database ?? WorkflowEngine.inMemoryDatabase(), clock: clock, dispatcher: dispatcher,
            logger: Logger(label: "test"), random: random)
        let engine = self.engine
        loops = [Task { await engine.runTimers() }, Task { await engine.runOutbox() }]
    }

    func stop() { loops.forEach { $0.cancel() } }

    /// Moves the manual clock along in the background (a second every 10 ms) so back-offs come due.
    func keepTime() -> Task<Void, Never> {
        let clock = self.clock
        return Task {
            while !Task.isCancelled {
                clock.advance(by: 1)
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func create(_ definition: String, name: String = "M") async throws -> String {
        try await engine.createStateMachine(CreateStateMachineInput(name: name, definition: definition)).stateMachineArn
    }

    /// An execution of `waitingMachine` whose message was sent: its ARN and the token it waits on.
    func startWaiting(input: String = #"{"order": 7}"#) async throws -> (arn: String, token: String) {
        let machine = try await create(waitingMachine)
        let arn = try await engine.startExecution(StartExecutionInput(stateMachineArn: machine, input: input))
            .executionArn
        return (arn, try await token(of: arn))
    }

    func waitFor(_ arn: String, status: String, timeout: Duration = .seconds(5)) async throws -> DescribeExecutionOutput
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let description = try await engine.describeExecution(arn)
            if description.status == status || ContinuousClock.now > deadline { return description }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func token(of arn: String) async throws -> String {
        for _ in 0..<500 {
            let history = try JSONValue.parse(
                bytes: try await engine.getExecutionHistory(GetExecutionHistoryInput(executionArn: arn)))
            if let submitted = history["events"]?.arrayValue?.first(where: { $0["type"] == "TaskSubmitted" }),
                submitted != .null,
                let scheduled = history["events"]?.arrayValue?.first(where: { $0["type"] == "TaskScheduled" }),
                let parameters = scheduled["taskScheduledEventDetails"]?["parameters"]?.stringValue,
                let token = try JSONValue.parse(parameters)["MessageBody"]?["token"]?.stringValue
            {
                return token
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw AWSError("Test", "no token")
    }
}

func expectAWSError(_ type: String, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(type), got success")
    } catch let error as AWSError {
        #expect(error.type == type, "\(error)")
    } catch {
        Issue.record("expected \(type), got \(error)")
    }
}

@Suite struct StateMachineAPITests {
    @Test func invalidDefinitionsAndNamesAreRefused() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        await expectAWSError("InvalidDefinition") { _ = try await fixture.create(#"{"StartAt":"X","States":{}}"#) }
        await expectAWSError("InvalidName") { _ = try await fixture.create(waitingMachine, name: "bad name!") }
        let arn = try await fixture.create(waitingMachine)
        #expect(try await fixture.create(waitingMachine) == arn)
        await expectAWSError("StateMachineAlreadyExists") {
            _ = try await fixture.create(#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#)
        }
        await expectAWSError("InvalidDefinition") {
            _ = try await fixture.engine.createStateMachine(
                CreateStateMachineInput(name: "Ex", definition: waitingMachine, type: "EXPRESS"))
        }
    }

    @Test func startExecutionValidatesItsInput() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(waitingMachine)
        await expectAWSError("StateMachineDoesNotExist") {
            _ = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine + "x"))
        }
        await expectAWSError("InvalidArn") {
            _ = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: "nope"))
        }
        await expectAWSError("InvalidExecutionInput") {
            _ = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine, input: "{oops"))
        }
        await expectAWSError("InvalidExecutionInput") {
            let big = "\"" + String(repeating: "x", count: 262_145) + "\""
            _ = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine, input: big))
        }
        let first = try await fixture.engine.startExecution(
            StartExecutionInput(stateMachineArn: machine, name: "same", input: "{}"))
        let again = try await fixture.engine.startExecution(
            StartExecutionInput(stateMachineArn: machine, name: "same", input: "{}"))
        #expect(first.executionArn == again.executionArn)
        await expectAWSError("ExecutionAlreadyExists") {
            _ = try await fixture.engine.startExecution(
                StartExecutionInput(stateMachineArn: machine, name: "same", input: #"{"a":1}"#))
        }
        await expectAWSError("ExecutionDoesNotExist") {
            _ = try await fixture.engine.describeExecution(first.executionArn + "x")
        }
    }
}

@Suite struct TaskTokenLifecycleTests {
    /// A simulation's seed must name everything the same way on every run: the engine draws execution names and
    /// task tokens from the source it is given, not from the system.
    @Test func aSeededEngineNamesExecutionsAndMintsTokensTheSameEveryRun() async throws {
        func run(seed: UInt64) async throws -> [String] {
            let fixture = try EngineFixture(random: SeededRandomSource(seed: seed))
            defer { fixture.stop() }
            let machine = try await fixture.create(waitingMachine)
            let execution = try await fixture.engine.startExecution(
                StartExecutionInput(stateMachineArn: machine, input: #"{"n":1}"#))
            return [execution.executionArn, try await fixture.token(of: execution.executionArn)]
        }
        let first = try await run(seed: 42)
        #expect(try await run(seed: 42) == first)
        let other = try await run(seed: 43)
        #expect(other[0] != first[0] && other[1] != first[1])
    }

    @Test func aTokenCompletesItsTaskOnce() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(waitingMachine)
        let execution = try await fixture.engine.startExecution(
            StartExecutionInput(stateMachineArn: machine, input: #"{"n":1}"#))
        let token = try await fixture.token(of: execution.executionArn)
        try await fixture.engine.sendTaskHeartbeat(SendTaskHeartbeatInput(taskToken: token))
        await expectAWSError("InvalidOutput") {
            try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: "nope"))
        }
        await expectAWSError("ValidationException") {
            try await fixture.engine.sendTaskFailure(
                SendTaskFailureInput(taskToken: token, error: String(repeating: "e", count: 257)))
        }
        try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: #"{"ok":true}"#))
        let done = try await fixture.waitFor(execution.executionArn, status: "SUCCEEDED")
        #expect(done.output == #"{"ok":true}"#)
        await expectAWSError("TaskTimedOut") {
            try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: "{}"))
        }
        await expectAWSError("TaskTimedOut") {
            try await fixture.engine.sendTaskHeartbeat(SendTaskHeartbeatInput(taskToken: token))
        }
        await expectAWSError("InvalidToken") {
            try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: "\"" + token + "\"", output: "{}"))
        }
        var random: any RandomNumberGenerator = SplitMix64(seed: 42)
        await expectAWSError("TaskDoesNotExist") {
            try await fixture.engine.sendTaskSuccess(
                SendTaskSuccessInput(taskToken: TaskToken.mint(using: &random), output: "{}"))
        }
    }

    @Test func timeoutFiresOnTheClockAndRetiresTheToken() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(waitingMachine)
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        let token = try await fixture.token(of: execution.executionArn)
        fixture.clock.advance(by: 61)
        let failed = try await fixture.waitFor(execution.executionArn, status: "FAILED")
        #expect(failed.error == "States.Timeout")
        await expectAWSError("TaskTimedOut") {
            try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: "{}"))
        }
    }

    /// State that no longer reads back (a damaged row: JSON that no longer decodes, or a compressed blob with a
    /// byte changed) fails the call loudly, naming the execution, and changes nothing: the interpreter never runs
    /// on with null in place of the data.
    @Test(arguments: [false, true])
    func corruptStoredStateFailsLoudlyAndChangesNothing(damagedBlob: Bool) async throws {
        let database = try WorkflowEngine.inMemoryDatabase()
        let fixture = try EngineFixture(database: database)
        defer { fixture.stop() }
        let (arn, token) = try await fixture.startWaiting()
        try await database.write { db in
            let stored = try DatabaseValue.fetchOne(
                db, sql: "SELECT state FROM execution_rows WHERE arn = ?", arguments: [arn])!
            let damaged: DatabaseValue
            if damagedBlob {
                var blob = try #require(Data.fromDatabaseValue(stored))
                blob[blob.count / 2] ^= 0x55
                damaged = blob.databaseValue
            } else {
                // Text, as versions before compression stored it: read as it is, and refused as JSON.
                let text = try WorkflowEngine.storedText(stored)
                guard case .object(var state) = try JSONValue.parse(text), case .object(var root)? = state["root"]
                else {
                    throw AWSError("Test", "no waiting position in \(text)")
                }
                root["stateInput"] = "{\"order\": 7"
                state["root"] = .object(root)
                damaged = JSONValue.object(state).serialized().databaseValue
            }
            try db.execute(
                sql: "UPDATE executions SET state = ? WHERE id = (SELECT id FROM execution_rows WHERE arn = ?)",
                arguments: [damaged, arn])
        }
        do {
            try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: "{}"))
            Issue.record("a callback to a corrupt execution was applied")
        } catch {
            #expect("\(error)".contains(arn) && "\(error)".contains("corrupt"), "\(error)")
        }
        let text = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM execution_rows WHERE arn = ?", arguments: [arn])
        }
        #expect(text == "RUNNING")
    }

    /// A waiting execution's state and history are stored compressed with the Step Functions dictionary, a step's
    /// events in one row, at under a third of their text, and read back as the text they were.
    @Test func stateAndHistoryAreStoredCompressed() async throws {
        let database = try WorkflowEngine.inMemoryDatabase()
        let fixture = try EngineFixture(database: database)
        defer { fixture.stop() }
        let (arn, _) = try await fixture.startWaiting()
        let (state, chunks) = try database.read { db in
            (
                try DatabaseValue.fetchOne(db, sql: "SELECT state FROM executions")!,
                try Row.fetchAll(db, sql: "SELECT first_id, last_id, events FROM history ORDER BY last_id")
            )
        }
        // The start (four events, to TaskStarted), then TaskSubmitted once the message was sent.
        #expect(chunks.map { [$0["first_id"], $0["last_id"]] as [Int] } == [[1, 4], [5, 5]])
        let stored = [state] + chunks.map { $0["events"] as DatabaseValue }
        let texts = try stored.map(WorkflowEngine.storedText)
        let storedBytes = stored.map { Data.fromDatabaseValue($0)?.count ?? .max }.reduce(0, +)
        let textBytes = texts.map(\.utf8.count).reduce(0, +)
        #expect(storedBytes * 3 < textBytes, "\(storedBytes) bytes stored for \(textBytes) of text")
        let history = try JSONValue.parse(
            bytes: try await fixture.engine.getExecutionHistory(GetExecutionHistoryInput(executionArn: arn)))
        let events = try texts.dropFirst().flatMap {
            try $0.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        }
        #expect(history["events"]?.arrayValue == events)
        #expect(events.map { $0["id"] } == [1, 2, 3, 4, 5])
        #expect(try JSONValue.parse(texts[0])["status"] == "RUNNING")
    }

    /// Pages of any size walk a history stored in chunks (a Map's step adds hundreds of events, split every 100)
    /// forwards and backwards, each event once and in order.
    @Test(arguments: [1, 7, 100, 1000])
    func historyPagesCrossChunks(pageSize: Int) async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(
            #"{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","End":true,"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}"#
        )
        let items = (0..<60).map(String.init).joined(separator: ",")
        let arn = try await fixture.engine.startExecution(
            StartExecutionInput(stateMachineArn: machine, input: #"{"items":[\#(items)]}"#)
        ).executionArn
        _ = try await fixture.waitFor(arn, status: "SUCCEEDED")
        for reverse in [false, true] {
            var ids: [Int] = []
            var token: String?
            repeat {
                let page = try JSONValue.parse(
                    bytes: try await fixture.engine.getExecutionHistory(
                        GetExecutionHistoryInput(
                            executionArn: arn, reverseOrder: reverse, maxResults: pageSize, nextToken: token)))
                let events = page["events"]?.arrayValue ?? []
                #expect(events.count <= pageSize)
                ids += events.compactMap { $0["id"]?.numberValue.map { Int($0) } }
                token = page["nextToken"]?.stringValue
            } while token != nil
            #expect(ids.count > 200)  // more than two rows of 100
            #expect(ids == (reverse ? Array((1...ids.count).reversed()) : Array(1...ids.count)))
        }
    }

    @Test func stoppingAnExecutionClosesItsToken() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(waitingMachine)
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        let token = try await fixture.token(of: execution.executionArn)
        _ = try await fixture.engine.stopExecution(
            StopExecutionInput(executionArn: execution.executionArn, error: "Stop", cause: "test"))
        #expect(try await fixture.engine.describeExecution(execution.executionArn).status == "ABORTED")
        await expectAWSError("TaskTimedOut") {
            try await fixture.engine.sendTaskFailure(SendTaskFailureInput(taskToken: token))
        }
    }
}

@Suite struct OutboxTests {
    @Test func undeliveredCallsAreRetriedWithTheSameIdempotencyKey() async throws {
        let fixture = try EngineFixture { _, attempt in
            attempt < 3 ? .unavailable("down") : .completed(["MessageId": "m1"])
        }
        let time = fixture.keepTime()
        defer {
            time.cancel()
            fixture.stop()
        }
        let machine = try await fixture.create(waitingMachine)
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        _ = try await fixture.token(of: execution.executionArn)
        let keys = fixture.dispatcher.keys
        #expect(keys.count == 3)
        #expect(Set(keys).count == 1)
    }

    /// A call owed by a task goes with the task: once the execution is stopped (or the task times out) while
    /// the integration is down, the call is never made again.
    @Test(arguments: ["stop", "timeout"]) func aCallOwedByAnEndedTaskIsNotMade(ending: String) async throws {
        let fixture = try EngineFixture { _, _ in .unavailable("down") }
        defer { fixture.stop() }
        let machine = try await fixture.create(waitingMachine)
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        while fixture.dispatcher.invocations.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        if ending == "stop" {
            _ = try await fixture.engine.stopExecution(StopExecutionInput(executionArn: execution.executionArn))
            #expect(try await fixture.waitFor(execution.executionArn, status: "ABORTED").status == "ABORTED")
        } else {
            fixture.clock.advance(by: 61)
            #expect(try await fixture.waitFor(execution.executionArn, status: "FAILED").error == "States.Timeout")
        }
        let made = fixture.dispatcher.invocations.count
        // Well past every back-off (at most 2 s), the broker still "down": no further attempt.
        for _ in 0..<30 {
            fixture.clock.advance(by: 1)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(fixture.dispatcher.invocations.count == made)
    }

    @Test func aServiceErrorFailsTheTaskAndCatchApplies() async throws {
        let fixture = try EngineFixture { _, _ in .failed(error: "SQS.QueueDoesNotExistException", cause: "no queue") }
        defer { fixture.stop() }
        let machine = try await fixture.create(
            #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"b"},"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}"#
        )
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        let done = try await fixture.waitFor(execution.executionArn, status: "SUCCEEDED")
        #expect(
            try JSONValue.parse(done.output ?? "") == ["Error": "SQS.QueueDoesNotExistException", "Cause": "no queue"])
    }

    /// The outbox row written with the state survives the process: a new engine on the same file delivers it.
    @Test func aPendingCallSurvivesARestart() async throws {
        let path = NSTemporaryDirectory() + "engine-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let machineArn: String
        let executionArn: String
        do {
            let down = try EngineFixture(database: try WorkflowEngine.openDatabase(path: path)) { _, _ in
                .unavailable("down")
            }
            machineArn = try await down.create(waitingMachine)
            executionArn = try await down.engine.startExecution(StartExecutionInput(stateMachineArn: machineArn))
                .executionArn
            try await Task.sleep(for: .milliseconds(100))
            down.stop()
        }
        let up = try EngineFixture(database: try WorkflowEngine.openDatabase(path: path))
        // Past the retry back-off, well inside the task's 60 s timeout.
        up.clock.advance(by: 10)
        defer { up.stop() }
        let token = try await up.token(of: executionArn)
        try await up.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: "{}"))
        #expect(try await up.waitFor(executionArn, status: "SUCCEEDED").status == "SUCCEEDED")
        #expect(up.dispatcher.invocations.count == 1)
    }

    /// Both branches of a Parallel wait on tokens of their own; the waiting tree survives a restart and each
    /// SendTaskSuccess resumes its own branch.
    @Test func parallelBranchesWaitOnTheirOwnTokensAcrossARestart() async throws {
        let path = NSTemporaryDirectory() + "engine-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        func branch(_ name: String) -> String {
            #"{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"branch":"\#(name)","token.$":"$$.Task.Token"}},"End":true}}}"#
        }
        let executionArn: String
        var tokens: [String: String] = [:]
        do {
            let before = try EngineFixture(database: try WorkflowEngine.openDatabase(path: path))
            let machine = try await before.create(
                #"{"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[\#(branch("A")),\#(branch("B"))]}}}"#
            )
            executionArn = try await before.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
                .executionArn
            for _ in 0..<500 where before.dispatcher.invocations.count < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            for invocation in before.dispatcher.invocations {
                let body = try JSONValue.parse(invocation.parameters)["MessageBody"]
                tokens[body?["branch"]?.stringValue ?? ""] = body?["token"]?.stringValue
            }
            before.stop()
        }
        let first = try #require(tokens["A"])
        let second = try #require(tokens["B"])
        let after = try EngineFixture(database: try WorkflowEngine.openDatabase(path: path))
        defer { after.stop() }
        try await after.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: second, output: #""second""#))
        #expect(try await after.engine.describeExecution(executionArn).status == "RUNNING")
        try await after.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: first, output: #""first""#))
        let done = try await after.waitFor(executionArn, status: "SUCCEEDED")
        #expect(done.output == #"["first","second"]"#)
        await expectAWSError("TaskTimedOut") {
            try await after.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: first, output: "{}"))
        }
    }

    @Test func waitStatesResumeWhenTheClockReachesThem() async throws {
        let fixture = try EngineFixture()
        defer { fixture.stop() }
        let machine = try await fixture.create(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#)
        let execution = try await fixture.engine.startExecution(StartExecutionInput(stateMachineArn: machine))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await fixture.engine.describeExecution(execution.executionArn).status == "RUNNING")
        fixture.clock.advance(by: 3600)
        #expect(try await fixture.waitFor(execution.executionArn, status: "SUCCEEDED").status == "SUCCEEDED")
    }

    /// A task that times out while its call is still in flight (the peer never answers) no longer owes the call:
    /// the attempt is stopped when the step that ended the task commits, not left to wait out its own timeout.
    @Test func aTaskThatEndsStopsTheCallItStillOwes() async throws {
        let executor = DeterministicExecutor()
        let clock = executor.clock()
        let dispatcher = HangingDispatcher(clock: clock)
        let engine = WorkflowEngine(
            storage: GroupCommitDatabase(
                try WorkflowEngine.inMemoryDatabase(),
                driver: .inline(commitLater: { commit in executor.schedule(at: executor.now) { commit() } })),
            clock: clock, dispatcher: dispatcher, logger: Logger(label: "test"), random: SeededRandomSource(seed: 1))
        let outcome = await executor.run { () -> Result<(String, Bool), any Error> in
            let loops = [spawn { await engine.runTimers() }, spawn { await engine.runOutbox() }]
            defer { loops.forEach { $0.cancel() } }
            do {
                let machine = try await engine.createStateMachine(
                    CreateStateMachineInput(
                        name: "T",
                        definition: #"""
                            {"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
                              "Parameters":{"QueueUrl":"q","MessageBody":"m"},"TimeoutSeconds":1,"End":true}}}
                            """#)
                ).stateMachineArn
                let arn = try await engine.startExecution(StartExecutionInput(stateMachineArn: machine)).executionArn
                for _ in 0..<100 where try await engine.describeExecution(arn).status == "RUNNING" {
                    try await clock.sleep(for: .milliseconds(100))
                }
                for _ in 0..<100 where !dispatcher.stopped.withLock({ $0 }) {
                    try await clock.sleep(for: .milliseconds(10))
                }
                // Read before the loops stop: stopping them would cancel the attempt anyway.
                return .success((arn, dispatcher.stopped.withLock { $0 }))
            } catch {
                return .failure(error)
            }
        }
        guard case .finished(let result) = outcome else {
            Issue.record("the engine got stuck")
            return
        }
        let (arn, stopped) = try result.get()
        let description = try await engine.describeExecution(arn)
        #expect(description.status == "FAILED")
        #expect(description.error == "States.Timeout")
        #expect(stopped, "the call the timed-out task owed is still being attempted")
    }

    /// On a fast clock (1,000 s a second) a timer fires when the clock reaches it, not up to a real second late:
    /// a 100 s Wait (0.1 s "real") ends when the clock reads its due time, in history time. A loop that polled
    /// once a real second would end it about 900 clock seconds late. Run on a deterministic executor, where real
    /// time is virtual: the engine's own loop and clock, without a loaded machine's scheduling in the figure.
    @Test func timersFireOnTimeOnAFastClock() async throws {
        let executor = DeterministicExecutor()
        let clock = executor.clock(rate: 1_000)
        let engine = WorkflowEngine(
            storage: GroupCommitDatabase(
                try WorkflowEngine.inMemoryDatabase(),
                driver: .inline(commitLater: { commit in executor.schedule(at: executor.now) { commit() } })),
            clock: clock, dispatcher: ScriptedDispatcher { _, _ in .completed([:]) }, logger: Logger(label: "test"),
            random: SeededRandomSource(seed: 1))
        let outcome = await executor.run { () -> Result<String, any Error> in
            let loop = spawn { await engine.runTimers() }
            defer { loop.cancel() }
            do {
                let machine = try await engine.createStateMachine(
                    CreateStateMachineInput(
                        name: "W",
                        definition: #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}"#)
                ).stateMachineArn
                let arn = try await engine.startExecution(StartExecutionInput(stateMachineArn: machine)).executionArn
                for _ in 0..<500 where try await engine.describeExecution(arn).status == "RUNNING" {
                    try await clock.sleep(for: .milliseconds(10))
                }
                return .success(arn)
            } catch {
                return .failure(error)
            }
        }
        guard case .finished(let result) = outcome else {
            Issue.record("the engine got stuck")
            return
        }
        let arn = try result.get()
        let history = try JSONValue.parse(
            bytes: try await engine.getExecutionHistory(GetExecutionHistoryInput(executionArn: arn)))
        let events = history["events"]?.arrayValue ?? []
        func time(_ type: String) -> Double? {
            events.first { $0["type"]?.stringValue == type }?["timestamp"]?.numberValue
        }
        let entered = try #require(time("WaitStateEntered"))
        let exited = try #require(time("WaitStateExited"))
        #expect(exited - entered >= 100)
        #expect(exited - entered < 110, "fired \(exited - entered - 100) clock seconds late")
    }
}
