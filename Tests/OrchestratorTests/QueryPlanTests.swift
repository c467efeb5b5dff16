import Storage
import Testing

@testable import Orchestrator

/// What finding an execution or a page of ListExecutions reads must not grow with the executions stored. SQLite's
/// own plan shows it.
@Suite struct OrchestratorQueryPlanTests {
    static func plan(_ sql: String, _ arguments: StatementArguments) throws -> String {
        let database = try WorkflowEngine.inMemoryDatabase()
        return try database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                .joined(separator: "\n")
        }
    }

    static let byMachine =
        "SELECT * FROM execution_rows WHERE family = (SELECT id FROM execution_families WHERE prefix = ?)"

    /// A later page starts at its cursor in the machine's index on start dates, and is read in the index's order.
    /// Paging through a million executions (`bench --paused 1000000` counts them a page of 1,000 at a time), the
    /// cursor written as one OR had no range: page k walked k pages of rows from the newest, and the count kept the
    /// orchestrator busy for minutes.
    @Test func aLaterPageOfExecutionsStartsAtItsCursor() throws {
        let plan = try Self.plan(
            Self.byMachine + WorkflowEngine.listCursorSQL + WorkflowEngine.listOrderSQL, ["f:", 1.5, 1.5, 7, 101])
        #expect(plan.contains("USING INDEX executions_by_machine (family=? AND start_date<"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
    }

    /// A status filter that few of a machine's executions match reads those few, not all the machine's executions.
    @Test func aPageOfExecutionsWithAStatusReadsOnlyThose() throws {
        let plan = try Self.plan(
            Self.byMachine + " AND status = ?" + WorkflowEngine.listCursorSQL + WorkflowEngine.listOrderSQL,
            ["f:", "FAILED", 1.5, 1.5, 7, 101])
        #expect(plan.contains("USING INDEX executions_by_status (family=? AND status=? AND start_date<"), "\(plan)")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
    }

    /// An execution is found by its ARN through the index on (family, tail), the view's joins by primary key.
    @Test func anExecutionIsFoundByItsArnThroughTheIndex() throws {
        let key = ExecutionKey(arn: "arn:aws:states:us-east-1:000000000000:execution:M:e")
        let plan = try Self.plan("SELECT * FROM execution_rows WHERE \(ExecutionKey.whereArn)", key.arguments)
        #expect(plan.contains("USING INDEX executions_by_arn (family=? AND tail=?)"), "\(plan)")
        #expect(!plan.contains("SCAN"), "\(plan)")
    }
}
