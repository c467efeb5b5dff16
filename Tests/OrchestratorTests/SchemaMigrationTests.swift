import Foundation
import JSON
import Orchestrator
import StatesLanguage
import Storage
import Testing
import Wire

let passMachine = #"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#

/// A data directory written before executions had integer ids (schema v3) opens with the current engine and its
/// executions carry on: the waiting one is described, its history reads back whole, and its callback completes it.
@Suite struct SchemaMigrationTests {
    @Test func aWaitingExecutionStoredByTheV3SchemaResumesAfterTheMigration() async throws {
        let database = try DatabaseQueue()
        try WorkflowEngine.schemaMigrator.migrate(database, upTo: "v3-outbox-task-key")
        let machineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:M"
        let arn = "arn:aws:states:us-east-1:000000000000:execution:M:old"
        let identity = ExecutionIdentity(
            executionArn: arn, name: "old", stateMachineArn: machineArn, stateMachineName: "M",
            roleArn: "arn:aws:iam::000000000000:role/r", startTime: 1_700_000_000, input: #"{"order": 7}"#)
        let interpreter = Interpreter(definition: try StateMachineDefinition.parse(waitingMachine), region: "us-east-1")
        var random: any RandomNumberGenerator = SystemRandomNumberGenerator()
        let step = interpreter.start(identity, now: identity.startTime, random: &random)
        // The rows as the v3 engine wrote them: the identity as JSON, the history keyed by ARN, the owed call.
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO state_machines (arn, name, definition, role_arn, type, created)
                    VALUES (?, 'M', ?, 'arn:aws:iam::000000000000:role/r', 'STANDARD', 1700000000)
                    """, arguments: [machineArn, waitingMachine])
            try db.execute(
                sql: """
                    INSERT INTO revisions (state_machine_arn, revision_id, definition, role_arn, created)
                    VALUES (?, 'initial', ?, 'arn:aws:iam::000000000000:role/r', 1700000000)
                    """, arguments: [machineArn, waitingMachine])
            // Another execution first, so the two tables' ids are not trivially equal.
            try db.execute(
                sql: """
                    INSERT INTO executions (arn, state_machine_arn, name, status, start_date, input, identity, state)
                    VALUES (?, ?, 'done', 'SUCCEEDED', 1, '{}', '{}', '{}')
                    """, arguments: [arn + "-done", machineArn])
            try db.execute(
                sql: """
                    INSERT INTO executions (arn, state_machine_arn, name, status, start_date, input, identity, state)
                    VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?)
                    """,
                arguments: [
                    arn, machineArn, "old", identity.startTime, identity.input,
                    String(decoding: try JSONEncoder().encode(identity), as: UTF8.self),
                    String(decoding: try JSONEncoder().encode(step.state), as: UTF8.self),
                ])
            for event in step.events {
                try db.execute(
                    sql: "INSERT INTO history (execution_arn, id, event) VALUES (?, ?, ?)",
                    arguments: [arn, event.id, event.json.serialized()])
            }
            for case .invoke(let invocation) in step.effects {
                try db.execute(
                    sql: "INSERT INTO outbox (execution_arn, task_key, invocation, next_attempt) VALUES (?, ?, ?, 0)",
                    arguments: [
                        arn, invocation.taskKey, String(decoding: try JSONEncoder().encode(invocation), as: UTF8.self),
                    ])
            }
            for case .startTimer(let id, let dueAt) in step.effects {
                try db.execute(
                    sql: "INSERT INTO timers (execution_arn, timer_id, due) VALUES (?, ?, ?)",
                    arguments: [arn, id, dueAt])
            }
            for case .issueToken(let token, let taskKey) in step.effects {
                try db.execute(
                    sql: "INSERT INTO task_tokens (token, execution_arn, task_key, open) VALUES (?, ?, ?, 1)",
                    arguments: [token, arn, taskKey])
            }
        }
        let eventsBefore = step.events.map { $0.json }

        try WorkflowEngine.schemaMigrator.migrate(database)
        // The task's timeout timer names its execution by id now; the success below cancels it by that id.
        let timers = { () throws -> [String] in
            try database.read { db in
                try String.fetchAll(
                    db,
                    sql:
                        "SELECT execution_rows.arn FROM timers JOIN execution_rows ON execution_rows.id = timers.execution"
                )
            }
        }
        #expect(try timers() == [arn])
        let fixture = try EngineFixture(database: database)
        defer { fixture.stop() }
        let description = try await fixture.engine.describeExecution(arn)
        #expect(description.status == "RUNNING" && description.input == identity.input)
        let token = try await fixture.token(of: arn)  // the owed SendMessage was delivered after the migration
        let history = try JSONValue.parse(
            bytes: try await fixture.engine.getExecutionHistory(GetExecutionHistoryInput(executionArn: arn)))
        #expect(Array(history["events"]?.arrayValue?.prefix(eventsBefore.count) ?? []) == eventsBefore)
        try await fixture.engine.sendTaskSuccess(SendTaskSuccessInput(taskToken: token, output: #"{"ok": true}"#))
        let ended = try await fixture.waitFor(arn, status: "SUCCEEDED")
        #expect(ended.status == "SUCCEEDED" && ended.output == #"{"ok":true}"#, "\(ended)")
        #expect(try timers().isEmpty)
        #expect(try await fixture.engine.describeExecution(arn + "-done").status == "SUCCEEDED")
        let roles = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT role_arn FROM execution_rows WHERE arn = ?", arguments: [arn])
        }
        #expect(roles == [identity.roleArn])
    }

    /// Schema v7 stores an execution's ARN as a family and a tail, and names its revision by id. Executions written
    /// by v6 keep their ARNs, names, machines and revisions, whichever kind, revision or machine they ran: a
    /// STANDARD one on each of a machine's two revisions, an EXPRESS one (its ARN carries a suffix), and one whose
    /// machine was deleted before revisions were recorded.
    @Test func executionsStoredByTheV6SchemaKeepTheirArnsAndRevisions() async throws {
        let database = try DatabaseQueue()
        try WorkflowEngine.schemaMigrator.migrate(database, upTo: "v6-execution-ids-everywhere")
        let prefix = "arn:aws:states:us-east-1:000000000000"
        let role = "arn:aws:iam::000000000000:role/"
        let machine = "\(prefix):stateMachine:M"
        let express = "\(prefix):stateMachine:X"
        let gone = "\(prefix):stateMachine:Gone"
        let executions: [(arn: String, name: String, machine: String, revision: String, role: String, start: Double)] =
            [
                ("\(prefix):execution:M:first", "first", machine, "r1", "\(role)one", 10),
                ("\(prefix):execution:M:second", "second", machine, "r2", "\(role)two", 20),
                (
                    "\(prefix):express:X:quick:2b5a9c61-0f1e-4a8e-9a47-3f1d2c3b4a5e", "quick", express, "rx",
                    "\(role)x", 30
                ),
                ("\(prefix):execution:Gone:old", "old", gone, "initial", "\(role)old", 5),
            ]
        try await database.write { db in
            for (arn, type, revision, definition, role) in [
                (machine, "STANDARD", "r2", waitingMachine, "\(role)two"),
                (express, "EXPRESS", "rx", passMachine, "\(role)x"),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO state_machines (arn, name, definition, role_arn, type, created, revision_id)
                        VALUES (?, ?, ?, ?, ?, 1, ?)
                        """,
                    arguments: [arn, String(arn.split(separator: ":").last!), definition, role, type, revision])
            }
            for (arn, revision, definition, role) in [
                (machine, "r1", passMachine, "\(role)one"), (machine, "r2", waitingMachine, "\(role)two"),
                (express, "rx", passMachine, "\(role)x"),
            ] {
                try db.execute(
                    sql: "INSERT INTO revisions VALUES (?, ?, ?, ?, 1)", arguments: [arn, revision, definition, role])
            }
            for execution in executions {
                try db.execute(
                    sql: """
                        INSERT INTO executions (arn, state_machine_arn, name, status, start_date, stop_date, input,
                            output, role_arn, state, revision_id)
                        VALUES (?, ?, ?, 'SUCCEEDED', ?, ?, '{"n": 1}', '{"n": 2}', ?, '{}', ?)
                        """,
                    arguments: [
                        execution.arn, execution.machine, execution.name, execution.start, execution.start + 1,
                        execution.role, execution.revision,
                    ])
            }
        }

        try WorkflowEngine.schemaMigrator.migrate(database)
        let fixture = try EngineFixture(database: database)
        defer { fixture.stop() }
        for execution in executions {
            let description = try await fixture.engine.describeExecution(execution.arn)
            #expect(
                [description.executionArn, description.name, description.stateMachineArn, description.status]
                    == [execution.arn, execution.name, execution.machine, "SUCCEEDED"])
            #expect(description.output == #"{"n": 2}"# && description.startDate == execution.start)
            let machine = try await fixture.engine.describeStateMachineForExecution(execution.arn)
            #expect(
                [machine.stateMachineArn, machine.revisionId, machine.roleArn]
                    == [execution.machine, execution.revision, execution.role])
        }
        let listed = try await fixture.engine.listExecutions(ListExecutionsInput(stateMachineArn: machine))
        #expect(listed.executions.map(\.executionArn) == [executions[1].arn, executions[0].arn])
        // The machine runs on: a new execution of its current revision joins the family the migration recorded.
        let started = try await fixture.engine.startExecution(
            StartExecutionInput(stateMachineArn: machine, name: "third", input: "{}"))
        let families = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM execution_families")
        }
        #expect(families == 3)
        let all = try await fixture.engine.listExecutions(ListExecutionsInput(stateMachineArn: machine))
        #expect(all.executions.map(\.executionArn) == [started.executionArn, executions[1].arn, executions[0].arn])
        let third = try await fixture.engine.describeStateMachineForExecution(started.executionArn)
        #expect(third.revisionId == "r2" && third.roleArn == "\(role)two")
    }
}
