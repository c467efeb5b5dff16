import Storage

/// The engine's tables. One execution row holds the interpreter's state; the other tables index what the
/// engine must do next: fire timers, deliver outbox calls, and resolve task tokens.
enum EngineSchema {
    static var migrator: DatabaseMigrator {
        Store.migrator([
            "v1": """
            CREATE TABLE state_machines (
                arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, definition TEXT NOT NULL,
                role_arn TEXT NOT NULL, type TEXT NOT NULL, created REAL NOT NULL);
            CREATE TABLE executions (
                arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL,
                status TEXT NOT NULL, start_date REAL NOT NULL, stop_date REAL,
                input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
                identity TEXT NOT NULL, state TEXT NOT NULL);
            CREATE INDEX executions_by_machine ON executions(state_machine_arn, start_date);
            CREATE INDEX executions_by_status ON executions(status);
            CREATE TABLE history (
                execution_arn TEXT NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL,
                PRIMARY KEY (execution_arn, id)) WITHOUT ROWID;
            CREATE TABLE task_tokens (
                token TEXT PRIMARY KEY, execution_arn TEXT NOT NULL, task_key TEXT NOT NULL,
                open INTEGER NOT NULL, closed_at REAL);
            CREATE TABLE timers (
                execution_arn TEXT NOT NULL, timer_id TEXT NOT NULL, due REAL NOT NULL,
                PRIMARY KEY (execution_arn, timer_id));
            CREATE INDEX timers_by_due ON timers(due);
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT, execution_arn TEXT NOT NULL,
                invocation TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL);
            CREATE INDEX outbox_by_next_attempt ON outbox(next_attempt);
            """,
            // State machines become regional and per account (a name is unique within one), and carry what
            // UpdateStateMachine, DeleteStateMachine and TagResource change. Every definition a machine had is a
            // revision, and an execution runs the revision it started with. Executions know their parent (a
            // states:startExecution task) and how often they were redriven.
            "v2-scoped-machines": """
            CREATE TABLE state_machines_v2 (
                arn TEXT PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL,
                role_arn TEXT NOT NULL, type TEXT NOT NULL, created REAL NOT NULL,
                status TEXT NOT NULL DEFAULT 'ACTIVE', updated REAL, revision_id TEXT NOT NULL DEFAULT 'initial',
                description TEXT, tags TEXT NOT NULL DEFAULT '{}', logging TEXT, tracing TEXT);
            INSERT INTO state_machines_v2 (arn, name, definition, role_arn, type, created)
                SELECT arn, name, definition, role_arn, type, created FROM state_machines;
            DROP TABLE state_machines;
            ALTER TABLE state_machines_v2 RENAME TO state_machines;
            CREATE TABLE revisions (
                state_machine_arn TEXT NOT NULL, revision_id TEXT NOT NULL, definition TEXT NOT NULL,
                role_arn TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (state_machine_arn, revision_id));
            INSERT INTO revisions SELECT arn, revision_id, definition, role_arn, created FROM state_machines;
            ALTER TABLE executions ADD COLUMN revision_id TEXT NOT NULL DEFAULT 'initial';
            ALTER TABLE executions ADD COLUMN parent_arn TEXT;
            ALTER TABLE executions ADD COLUMN parent_task TEXT;
            ALTER TABLE executions ADD COLUMN parent_output TEXT;
            ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE executions ADD COLUMN redrive_date REAL;
            CREATE INDEX executions_by_parent ON executions(parent_arn);
            """,
            // An owed call names its task, so the call is cancelled when the task ends before it is made.
            "v3-outbox-task-key": """
            ALTER TABLE outbox ADD COLUMN task_key TEXT;
            UPDATE outbox SET task_key = json_extract(invocation, '$.taskKey');
            CREATE INDEX outbox_by_task ON outbox(execution_arn, task_key);
            """,
        ])
    }
}
