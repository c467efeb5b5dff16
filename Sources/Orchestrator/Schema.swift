import Storage

/// The engine's tables. One execution row holds the interpreter's state; the other tables index what the
/// engine must do next: fire timers, deliver outbox calls, and resolve task tokens.
enum EngineSchema {
    static var migrator: DatabaseMigrator {
        var migrator = Store.migrator([
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
            // Executions get an integer id and the history is keyed by it: ids grow, so the steps of the
            // executions running now write to the same few pages at the end of each table (keyed by ARN, every
            // step wrote to a page of its own, and every event repeated the ARN). The identity is no longer kept
            // as JSON beside the columns that already hold it; only its role has a column of its own.
            "v4-execution-ids": """
            CREATE TABLE executions_v4 (
                id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, state_machine_arn TEXT NOT NULL,
                name TEXT NOT NULL, status TEXT NOT NULL, start_date REAL NOT NULL, stop_date REAL,
                input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT, role_arn TEXT NOT NULL, state TEXT NOT NULL,
                revision_id TEXT NOT NULL DEFAULT 'initial', parent_arn TEXT, parent_task TEXT, parent_output TEXT,
                redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL);
            INSERT INTO executions_v4 (id, arn, state_machine_arn, name, status, start_date, stop_date, input,
                    output, error, cause, role_arn, state, revision_id, parent_arn, parent_task, parent_output,
                    redrive_count, redrive_date)
                SELECT rowid, arn, state_machine_arn, name, status, start_date, stop_date, input, output, error,
                    cause, COALESCE(json_extract(identity, '$.roleArn'), ''), state, revision_id, parent_arn, parent_task,
                    parent_output, redrive_count, redrive_date
                FROM executions ORDER BY rowid;
            CREATE TABLE history_v4 (
                execution INTEGER NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL,
                PRIMARY KEY (execution, id)) WITHOUT ROWID;
            INSERT INTO history_v4 (execution, id, event)
                SELECT executions_v4.id, history.id, history.event
                FROM history JOIN executions_v4 ON executions_v4.arn = history.execution_arn;
            DROP TABLE history;
            DROP TABLE executions;
            ALTER TABLE executions_v4 RENAME TO executions;
            ALTER TABLE history_v4 RENAME TO history;
            CREATE INDEX executions_by_machine ON executions(state_machine_arn, start_date);
            CREATE INDEX executions_by_status ON executions(status);
            CREATE INDEX executions_by_parent ON executions(parent_arn);
            """,
            // A step's events are one row (`HistoryChunk`): their texts, a line each, compressed together with the
            // Step Functions dictionary. One insert and one compression a step instead of one of each per event,
            // and a step's events share their strings. A row from before holds one event's text.
            "v5-history-chunks": """
            CREATE TABLE history_v5 (
                execution INTEGER NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL, events BLOB NOT NULL,
                PRIMARY KEY (execution, last_id)) WITHOUT ROWID;
            INSERT INTO history_v5 (execution, first_id, last_id, events)
                SELECT execution, id, id, event FROM history;
            DROP TABLE history;
            ALTER TABLE history_v5 RENAME TO history;
            """,
            // Timers, task tokens and owed calls name their execution by its integer id, not its ARN: a hundred
            // bytes less in each row and each index entry, and timers and owed calls of the executions running now
            // go to the pages at their tables' ends. A token's row lives in its key's B-tree (WITHOUT ROWID): one
            // tree to insert into, not a table and an index.
            "v6-execution-ids-everywhere": """
            CREATE TABLE timers_v6 (
                execution INTEGER NOT NULL, timer_id TEXT NOT NULL, due REAL NOT NULL,
                PRIMARY KEY (execution, timer_id)) WITHOUT ROWID;
            INSERT INTO timers_v6 (execution, timer_id, due)
                SELECT executions.id, timers.timer_id, timers.due
                FROM timers JOIN executions ON executions.arn = timers.execution_arn;
            DROP TABLE timers;
            ALTER TABLE timers_v6 RENAME TO timers;
            CREATE INDEX timers_by_due ON timers(due);
            CREATE TABLE task_tokens_v6 (
                token TEXT PRIMARY KEY, execution INTEGER NOT NULL, task_key TEXT NOT NULL,
                open INTEGER NOT NULL, closed_at REAL) WITHOUT ROWID;
            INSERT INTO task_tokens_v6 (token, execution, task_key, open, closed_at)
                SELECT task_tokens.token, executions.id, task_tokens.task_key, task_tokens.open, task_tokens.closed_at
                FROM task_tokens JOIN executions ON executions.arn = task_tokens.execution_arn;
            DROP TABLE task_tokens;
            ALTER TABLE task_tokens_v6 RENAME TO task_tokens;
            CREATE TABLE outbox_v6 (
                id INTEGER PRIMARY KEY AUTOINCREMENT, execution INTEGER NOT NULL, task_key TEXT,
                invocation TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL);
            INSERT INTO outbox_v6 (id, execution, task_key, invocation, attempts, next_attempt)
                SELECT outbox.id, executions.id, outbox.task_key, outbox.invocation, outbox.attempts, outbox.next_attempt
                FROM outbox JOIN executions ON executions.arn = outbox.execution_arn;
            DROP TABLE outbox;
            ALTER TABLE outbox_v6 RENAME TO outbox;
            CREATE INDEX outbox_by_next_attempt ON outbox(next_attempt);
            CREATE INDEX outbox_by_task ON outbox(execution, task_key);
            """,
        ])
        migrator.registerMigration("v7-execution-families-and-revision-ids", migrate: executionFamiliesAndRevisionIds)
        return migrator
    }

    /// An execution row names its revision by id (the revision knows its machine and role) and its ARN by a family
    /// id and the ARN's tail (`ExecutionKey`), instead of repeating three ARNs and a revision id, ~260 bytes; the
    /// indexes on the ARN and on (machine, start date) shrink with it. Listing by status has an index of its own:
    /// a filter few executions match no longer walks all of a machine's executions. Rows are read through the view
    /// `execution_rows`, which joins the ARNs back. (A later migration that rebuilds `executions` drops the view
    /// first and creates it again.)
    static func executionFamiliesAndRevisionIds(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE revisions_v7 (
                    id INTEGER PRIMARY KEY, state_machine_arn TEXT NOT NULL, revision_id TEXT NOT NULL,
                    definition TEXT NOT NULL, role_arn TEXT NOT NULL, created REAL NOT NULL,
                    UNIQUE (state_machine_arn, revision_id));
                INSERT INTO revisions_v7 (state_machine_arn, revision_id, definition, role_arn, created)
                    SELECT state_machine_arn, revision_id, definition, role_arn, created FROM revisions ORDER BY created;
                -- An execution whose revision was never recorded (its machine deleted before revisions existed)
                -- keeps its row, history and listing: its revision is recorded without a definition, and it runs
                -- no further, as before, when its machine could not be found.
                INSERT INTO revisions_v7 (state_machine_arn, revision_id, definition, role_arn, created)
                    SELECT state_machine_arn, revision_id, '', MIN(role_arn), MIN(start_date) FROM executions
                    WHERE NOT EXISTS (
                        SELECT 1 FROM revisions_v7 WHERE revisions_v7.state_machine_arn = executions.state_machine_arn
                            AND revisions_v7.revision_id = executions.revision_id)
                    GROUP BY state_machine_arn, revision_id;
                DROP TABLE revisions;
                ALTER TABLE revisions_v7 RENAME TO revisions;
                CREATE TABLE execution_families (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL UNIQUE);
                CREATE TABLE executions_v7 (
                    id INTEGER PRIMARY KEY, family INTEGER NOT NULL, tail TEXT NOT NULL, revision INTEGER NOT NULL,
                    status TEXT NOT NULL, start_date REAL NOT NULL, stop_date REAL, input TEXT NOT NULL, output TEXT,
                    error TEXT, cause TEXT, state BLOB NOT NULL, parent_arn TEXT, parent_task TEXT,
                    parent_output TEXT, redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL);
                """)
        // The ARN is split in Swift, by the one function the engine splits ARNs with.
        try db.execute(sql: "CREATE TEMP TABLE execution_keys (id INTEGER PRIMARY KEY, family INTEGER, tail TEXT)")
        let arns = try Row.fetchCursor(db, sql: "SELECT id, arn FROM executions")
        var families: [String: Int64] = [:]
        while let row = try arns.next() {
            let key = ExecutionKey(arn: row["arn"])
            let family: Int64
            if let known = families[key.family] {
                family = known
            } else {
                try db.execute(sql: "INSERT INTO execution_families (prefix) VALUES (?)", arguments: [key.family])
                family = db.lastInsertedRowID
                families[key.family] = family
            }
            try db.executeCached(
                sql: "INSERT INTO execution_keys (id, family, tail) VALUES (?, ?, ?)",
                arguments: [row["id"] as Int64, family, key.tail])
        }
        try db.execute(
            sql: """
                INSERT INTO executions_v7 (id, family, tail, revision, status, start_date, stop_date, input, output,
                        error, cause, state, parent_arn, parent_task, parent_output, redrive_count, redrive_date)
                    SELECT executions.id, execution_keys.family, execution_keys.tail, revisions.id, status, start_date,
                        stop_date, input, output, error, cause, state, parent_arn, parent_task, parent_output,
                        redrive_count, redrive_date
                    FROM executions JOIN execution_keys ON execution_keys.id = executions.id
                    JOIN revisions ON revisions.state_machine_arn = executions.state_machine_arn
                        AND revisions.revision_id = executions.revision_id;
                DROP TABLE execution_keys;
                """)
        try db.execute(
            sql: """
                DROP TABLE executions;
                ALTER TABLE executions_v7 RENAME TO executions;
                CREATE UNIQUE INDEX executions_by_arn ON executions(family, tail);
                CREATE INDEX executions_by_machine ON executions(family, start_date);
                CREATE INDEX executions_by_status ON executions(family, status, start_date);
                CREATE INDEX executions_by_parent ON executions(parent_arn);
                CREATE VIEW execution_rows AS
                    SELECT executions.*, execution_families.prefix || executions.tail AS arn,
                        CASE WHEN instr(executions.tail, ':') > 0
                            THEN substr(executions.tail, 1, instr(executions.tail, ':') - 1)
                            ELSE executions.tail END AS name,
                        revisions.state_machine_arn, revisions.revision_id, revisions.role_arn
                    FROM executions
                    JOIN execution_families ON execution_families.id = executions.family
                    JOIN revisions ON revisions.id = executions.revision;
                """)
    }
}
