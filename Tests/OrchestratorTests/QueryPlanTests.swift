import Storage
import Testing

@testable import Orchestrator

/// What a page of ListExecutions reads must not grow with the pages before it. SQLite's own plan shows it.
@Suite struct OrchestratorQueryPlanTests {
    /// A later page starts at its cursor in the machine's index on start dates. Paging through a million executions
    /// (`bench --paused 1000000` counts them a page of 1,000 at a time), the cursor written as one OR had no range:
    /// page k walked k pages of rows from the newest, and the count kept the orchestrator busy for minutes.
    @Test func aLaterPageOfExecutionsStartsAtItsCursor() throws {
        let database = try WorkflowEngine.inMemoryDatabase()
        let sql =
            "SELECT arn FROM executions WHERE state_machine_arn = ? AND status = ?" + WorkflowEngine.listCursorSQL
            + WorkflowEngine.listOrderSQL
        let plan = try database.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: ["m", "SUCCEEDED", 1.5, 1.5, "arn", 101]
            ).map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("USING INDEX executions_by_machine (state_machine_arn=? AND start_date<"), "\(plan)")
    }
}
