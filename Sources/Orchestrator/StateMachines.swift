import Foundation
import JSON
import StatesLanguage
import Storage
import Wire

/// Step Functions' state machine API: create, describe, update, delete, tag, list, validate.
///
/// Every definition a machine has had is kept as a revision, and an execution runs the revision it started with,
/// as on AWS, so UpdateStateMachine never changes an execution under way.
extension WorkflowEngine {
    static let stateMachineTypes = ["STANDARD", "EXPRESS"]

    /// The definition checks of CreateStateMachine, UpdateStateMachine and ValidateStateMachineDefinition: AWS's,
    /// and callbacksim's own (a Task resource it cannot call is refused now, not when an execution reaches it).
    func diagnose(_ text: String, type: String) -> (
        definition: StateMachineDefinition?, errors: [Diagnostic], warnings: [Diagnostic]
    ) {
        var (definition, errors, warnings) = StateMachineDefinition.validate(text, type: type)
        if let parsed = definition {
            for (location, state) in parsed.graph.allStates {
                guard let resource = state.resource, !supports(resource) else { continue }
                errors.append(
                    Diagnostic(
                        code: "SCHEMA_VALIDATION_FAILED",
                        message: "callbacksim has no integration for the resource '\(resource.arn)'",
                        location: location + "/Resource"))
            }
            if !errors.isEmpty { definition = nil }
        }
        return (definition, errors, warnings)
    }

    func checkedDefinition(_ text: String, type: String) throws(AWSError) -> StateMachineDefinition {
        let (definition, errors, _) = diagnose(text, type: type)
        guard let definition else { throw AWSError("InvalidDefinition", InvalidDefinition(errors).description) }
        return definition
    }

    static func checkTags(_ tags: [Tag]) throws(AWSError) {
        guard tags.count <= 50 else {
            throw AWSError("TooManyTags", "Too many tags: a resource can have at most 50.")
        }
    }

    static func encodeTags(_ tags: [Tag]) -> String {
        String(decoding: WireCoding.encode(tags), as: UTF8.self)
    }

    static func decodeTags(_ text: String?) -> [Tag] {
        text.flatMap { try? WireCoding.decode([Tag].self, from: Array($0.utf8)) } ?? []
    }

    static func text(of json: JSONValue?) -> String? { json.map { $0.serialized() } }

    static func json(of text: String?) -> JSONValue? { text.flatMap { try? JSONValue.parse($0) } }

    // MARK: Create

    public func createStateMachine(_ input: CreateStateMachineInput, scope: Scope? = nil) async throws
        -> CreateStateMachineOutput
    {
        let scope = scope ?? ownScope
        guard Self.isValidName(input.name) else {
            throw AWSError("InvalidName", "Invalid Name: '\(input.name)'")
        }
        let type = input.type ?? "STANDARD"
        guard Self.stateMachineTypes.contains(type) else {
            throw AWSError.validation(
                "Value '\(type)' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
            )
        }
        let definition = try checkedDefinition(input.definition, type: type)
        let tags = input.tags ?? []
        try Self.checkTags(tags)
        let arn = stateMachineArn(input.name, scope)
        let role = input.roleArn ?? "arn:aws:iam::\(scope.account):role/callbacksim-execution-role"
        let now = clock.now()
        let revision = random.uuid()
        let created: Double = try await database.write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT definition, role_arn, created, status FROM state_machines WHERE arn = ?",
                arguments: [arn])
            {
                guard row["status"] as String != "DELETING" else {
                    throw AWSError("StateMachineDeleting", "State machine is being deleted: '\(arn)'")
                }
                // The same name, definition and role again is the same machine (CreateStateMachine is idempotent).
                guard row["definition"] as String == input.definition, row["role_arn"] as String == role else {
                    throw AWSError("StateMachineAlreadyExists", "State Machine Already Exists: '\(arn)'")
                }
                return row["created"]
            }
            try db.execute(
                sql: """
                    INSERT INTO state_machines (arn, name, definition, role_arn, type, created, revision_id, tags,
                        logging, tracing, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    arn, input.name, input.definition, role, type, now, revision, Self.encodeTags(tags),
                    Self.text(of: input.loggingConfiguration), Self.text(of: input.tracingConfiguration),
                    input.versionDescription,
                ])
            try db.execute(
                sql:
                    "INSERT INTO revisions (state_machine_arn, revision_id, definition, role_arn, created) VALUES (?, ?, ?, ?, ?)",
                arguments: [arn, revision, input.definition, role, now])
            return now
        }
        cache(Interpreter(definition: definition, region: scope.region), arn: arn, revision: revision)
        return CreateStateMachineOutput(stateMachineArn: arn, creationDate: created)
    }

    // MARK: Describe

    func stateMachineRow(_ arn: String, _ db: Database) throws -> Row {
        _ = try machineName(fromArn: arn)
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM state_machines WHERE arn = ?"), arguments: [arn])
        else {
            throw AWSError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(arn)'")
        }
        return row
    }

    /// What starting or listing its executions needs of a machine, without its definition (its largest column,
    /// read and copied by every StartExecution when it was `SELECT *`).
    struct MachineFacts {
        var status: String
        var type: String
        var revisionId: String
        var roleArn: String
    }

    func machineFacts(_ arn: String, _ db: Database) throws -> MachineFacts {
        _ = try machineName(fromArn: arn)
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT status, type, revision_id, role_arn FROM state_machines WHERE arn = ?"),
                arguments: [arn])
        else {
            throw AWSError("StateMachineDoesNotExist", "State Machine Does Not Exist: '\(arn)'")
        }
        return MachineFacts(status: row[0], type: row[1], revisionId: row[2], roleArn: row[3])
    }

    public func describeStateMachine(_ arn: String) async throws -> DescribeStateMachineOutput {
        try await database.read { db in
            let row = try self.stateMachineRow(arn, db)
            var output = DescribeStateMachineOutput(
                stateMachineArn: row["arn"], name: row["name"], status: row["status"], definition: row["definition"],
                roleArn: row["role_arn"], type: row["type"], creationDate: row["created"])
            output.revisionId = row["revision_id"]
            output.description = row["description"]
            output.loggingConfiguration =
                Self.json(of: row["logging"]) ?? ["level": "OFF", "includeExecutionData": false]
            output.tracingConfiguration = Self.json(of: row["tracing"]) ?? ["enabled": false]
            return output
        }
    }

    /// The machine as the execution ran it: the revision it started with, even after UpdateStateMachine or
    /// DeleteStateMachine.
    public func describeStateMachineForExecution(_ executionArn: String) async throws
        -> DescribeStateMachineForExecutionOutput
    {
        try await database.read { db in
            guard
                let execution = try Row.fetchOne(
                    db, sql: "SELECT state_machine_arn, revision_id FROM execution_rows WHERE \(ExecutionKey.whereArn)",
                    arguments: ExecutionKey(arn: executionArn).arguments)
            else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(executionArn)'")
            }
            let machine: String = execution["state_machine_arn"]
            guard
                let revision = try Row.fetchOne(
                    db, sql: "SELECT * FROM revisions WHERE state_machine_arn = ? AND revision_id = ?",
                    arguments: [machine, execution["revision_id"] as String])
            else {
                throw AWSError("ExecutionDoesNotExist", "Execution Does Not Exist: '\(executionArn)'")
            }
            var output = DescribeStateMachineForExecutionOutput(
                stateMachineArn: machine, name: (try? self.machineName(fromArn: machine)) ?? machine,
                definition: revision["definition"], roleArn: revision["role_arn"], updateDate: revision["created"],
                revisionId: revision["revision_id"])
            let current = try Row.fetchOne(
                db, sql: "SELECT logging, tracing FROM state_machines WHERE arn = ?", arguments: [machine])
            output.loggingConfiguration =
                Self.json(of: current?["logging"]) ?? ["level": "OFF", "includeExecutionData": false]
            output.tracingConfiguration = Self.json(of: current?["tracing"]) ?? ["enabled": false]
            return output
        }
    }

    // MARK: Update and delete

    public func updateStateMachine(_ input: UpdateStateMachineInput) async throws -> UpdateStateMachineOutput {
        guard
            input.definition != nil || input.roleArn != nil || input.loggingConfiguration != nil
                || input.tracingConfiguration != nil
        else {
            throw AWSError(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"
            )
        }
        let now = clock.now()
        let arn = input.stateMachineArn
        let type = try await database.read { db in try self.machineFacts(arn, db).type }
        let definition = try input.definition.map { text throws(AWSError) in try checkedDefinition(text, type: type) }
        let revision: String = try await database.write { db in
            let row = try self.stateMachineRow(arn, db)
            guard row["status"] as String != "DELETING" else {
                throw AWSError("StateMachineDeleting", "State machine is being deleted: '\(arn)'")
            }
            let newDefinition = input.definition ?? row["definition"]
            let newRole = input.roleArn ?? row["role_arn"]
            var revision: String = row["revision_id"]
            if newDefinition != row["definition"] as String || newRole != row["role_arn"] as String {
                revision = self.random.uuid()
                try db.execute(
                    sql:
                        "INSERT INTO revisions (state_machine_arn, revision_id, definition, role_arn, created) VALUES (?, ?, ?, ?, ?)",
                    arguments: [arn, revision, newDefinition, newRole, now])
            }
            try db.execute(
                sql: """
                    UPDATE state_machines SET definition = ?, role_arn = ?, revision_id = ?, updated = ?,
                        logging = COALESCE(?, logging), tracing = COALESCE(?, tracing),
                        description = COALESCE(?, description) WHERE arn = ?
                    """,
                arguments: [
                    newDefinition, newRole, revision, now, Self.text(of: input.loggingConfiguration),
                    Self.text(of: input.tracingConfiguration), input.versionDescription, arn,
                ])
            return revision
        }
        if let definition {
            let region = Self.scope(ofArn: arn)?.region ?? configuration.region
            cache(Interpreter(definition: definition, region: region), arn: arn, revision: revision)
        }
        return UpdateStateMachineOutput(updateDate: now, revisionId: revision)
    }

    /// Deletes a machine; with executions still running it is DELETING until the last ends, and starts none.
    /// Deleting one that does not exist succeeds, as on AWS.
    public func deleteStateMachine(_ arn: String) async throws {
        _ = try machineName(fromArn: arn)
        try await database.write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM state_machines WHERE arn = ?", arguments: [arn]) ?? false
            else { return }
            try db.execute(sql: "UPDATE state_machines SET status = 'DELETING' WHERE arn = ?", arguments: [arn])
            try self.finishDeletion(of: arn, db)
        }
    }

    /// Removes a DELETING machine once none of its executions runs.
    func finishDeletion(of arn: String, _ db: Database) throws {
        guard
            let type = try String.fetchOne(
                db.cachedStatement(sql: "SELECT type FROM state_machines WHERE arn = ? AND status = 'DELETING'"),
                arguments: [arn])
        else { return }
        let running =
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM executions WHERE family = (SELECT id FROM execution_families WHERE prefix = ?)
                    AND status = 'RUNNING' LIMIT 1
                    """,
                arguments: [ExecutionKey.family(ofMachine: arn, type: type)]) ?? false
        guard !running else { return }
        try db.execute(sql: "DELETE FROM state_machines WHERE arn = ?", arguments: [arn])
    }

    // MARK: Tags

    func taggedMachine(_ arn: String, _ db: Database) throws -> [Tag] {
        guard arn.hasPrefix("arn:"), arn.split(separator: ":").count >= 6 else {
            throw AWSError("InvalidArn", "Invalid Arn: '\(arn)'")
        }
        guard let text = try String.fetchOne(db, sql: "SELECT tags FROM state_machines WHERE arn = ?", arguments: [arn])
        else {
            throw AWSError("ResourceNotFound", "Resource not found: '\(arn)'")
        }
        return Self.decodeTags(text)
    }

    public func tagResource(_ input: TagResourceInput) async throws {
        try await database.write { db in
            var tags = try self.taggedMachine(input.resourceArn, db)
            for tag in input.tags {
                tags.removeAll { $0.key == tag.key }
                tags.append(tag)
            }
            try Self.checkTags(tags)
            try db.execute(
                sql: "UPDATE state_machines SET tags = ? WHERE arn = ?",
                arguments: [Self.encodeTags(tags), input.resourceArn])
        }
    }

    public func untagResource(_ input: UntagResourceInput) async throws {
        try await database.write { db in
            let tags = try self.taggedMachine(input.resourceArn, db).filter { !input.tagKeys.contains($0.key) }
            try db.execute(
                sql: "UPDATE state_machines SET tags = ? WHERE arn = ?",
                arguments: [Self.encodeTags(tags), input.resourceArn])
        }
    }

    public func listTagsForResource(_ arn: String) async throws -> ListTagsForResourceOutput {
        ListTagsForResourceOutput(tags: try await database.read { db in try self.taggedMachine(arn, db) })
    }

    // MARK: Validate

    /// ValidateStateMachineDefinition: ERROR diagnostics, and WARNING ones too when `severity` is WARNING.
    public func validateStateMachineDefinition(_ input: ValidateStateMachineDefinitionInput) throws
        -> ValidateStateMachineDefinitionOutput
    {
        let type = input.type ?? "STANDARD"
        guard Self.stateMachineTypes.contains(type) else {
            throw AWSError.validation(
                "Value '\(type)' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
            )
        }
        let severity = input.severity ?? "ERROR"
        guard ["ERROR", "WARNING"].contains(severity) else {
            throw AWSError.validation(
                "Value '\(severity)' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]"
            )
        }
        let maximum = input.maxResults.flatMap { $0 > 0 ? $0 : nil } ?? 100
        let (_, errors, warnings) = diagnose(input.definition, type: type)
        let all = errors + (severity == "WARNING" ? warnings : [])
        return ValidateStateMachineDefinitionOutput(
            result: errors.isEmpty ? "OK" : "FAIL",
            diagnostics: all.prefix(maximum).map {
                ValidationDiagnostic(
                    severity: $0.severity, code: $0.code, message: $0.message, location: "/" + $0.location)
            }, truncated: all.count > maximum)
    }
}
