import Storage

enum BrokerSchema {
    static var migrator: DatabaseMigrator {
        Store.migrator([
            "v1": """
            CREATE TABLE queues (name TEXT PRIMARY KEY, attributes TEXT NOT NULL, created REAL NOT NULL);
            CREATE TABLE messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, queue TEXT NOT NULL,
                body TEXT NOT NULL, md5 TEXT NOT NULL, attributes TEXT, sent REAL NOT NULL,
                visible_at REAL NOT NULL, receive_count INTEGER NOT NULL, first_receive REAL,
                receipt_handle TEXT, group_id TEXT, deduplication_id TEXT, moved_from TEXT);
            CREATE INDEX messages_ready ON messages(queue, visible_at);
            CREATE INDEX messages_by_handle ON messages(receipt_handle);
            CREATE TABLE fifo_deduplication (
                queue TEXT NOT NULL, deduplication_id TEXT NOT NULL, message_id TEXT NOT NULL,
                sequence_number TEXT, expires REAL NOT NULL, PRIMARY KEY (queue, deduplication_id));
            CREATE TABLE topics (arn TEXT PRIMARY KEY, name TEXT NOT NULL, attributes TEXT NOT NULL, created REAL NOT NULL);
            CREATE TABLE subscriptions (
                arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
                attributes TEXT NOT NULL);
            CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT, subscription_arn TEXT NOT NULL, function_name TEXT NOT NULL,
                payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL);
            CREATE INDEX deliveries_by_next_attempt ON deliveries(next_attempt);
            CREATE TABLE idempotency (key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL);
            """,
            // Queues become regional and per account: keyed by ARN, and every message row names its queue's ARN.
            // Earlier builds kept one account and region, us-east-1 / 123456789012.
            "v2-queues-by-arn": """
            CREATE TABLE queues_by_arn (
                arn TEXT PRIMARY KEY, name TEXT NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '{}',
                created REAL NOT NULL, modified REAL NOT NULL, purged REAL);
            INSERT INTO queues_by_arn (arn, name, attributes, created, modified)
                SELECT 'arn:aws:sqs:us-east-1:123456789012:' || name, name, attributes, created, created FROM queues;
            DROP TABLE queues;
            ALTER TABLE queues_by_arn RENAME TO queues;
            UPDATE messages SET queue = 'arn:aws:sqs:us-east-1:123456789012:' || queue,
                moved_from = CASE WHEN moved_from IS NULL THEN NULL
                    ELSE 'arn:aws:sqs:us-east-1:123456789012:' || moved_from END;
            UPDATE fifo_deduplication SET queue = 'arn:aws:sqs:us-east-1:123456789012:' || queue;
            CREATE TABLE deleted_queues (arn TEXT PRIMARY KEY, deleted REAL NOT NULL);
            CREATE TABLE move_tasks (
                handle TEXT PRIMARY KEY, source_arn TEXT NOT NULL, destination_arn TEXT, per_second INTEGER,
                status TEXT NOT NULL, moved INTEGER NOT NULL DEFAULT 0, to_move INTEGER NOT NULL,
                started REAL NOT NULL, failure TEXT);
            CREATE INDEX move_tasks_by_source ON move_tasks(source_arn, started);
            ALTER TABLE topics ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
            ALTER TABLE subscriptions ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE subscriptions ADD COLUMN token TEXT;
            CREATE INDEX subscriptions_by_topic ON subscriptions(topic_arn);
            ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'lambda';
            ALTER TABLE deliveries ADD COLUMN headers TEXT;
            ALTER TABLE deliveries ADD COLUMN max_attempts INTEGER;
            ALTER TABLE deliveries ADD COLUMN retry_delay REAL;
            """,
            // Every receive first deletes what is past retention: without an index on `sent` that looked at every
            // message of the queue, so a receive cost as much as the queue was long. Receipt handles are unique,
            // and a unique index is what the planner takes for a delete by handle over any index on `queue`.
            "v3-indexes-that-scale": """
            CREATE INDEX messages_by_sent ON messages(queue, sent);
            DROP INDEX messages_by_handle;
            CREATE UNIQUE INDEX messages_by_handle ON messages(receipt_handle);
            """,
            // An idempotency key's row lives in its key's B-tree (WITHOUT ROWID): the key, an execution's ARN and
            // task, once instead of twice (a table and its index), a hundred bytes less for every message the
            // orchestrator sends.
            "v4-idempotency-by-key": """
            CREATE TABLE idempotency_v4 (key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL) WITHOUT ROWID;
            INSERT INTO idempotency_v4 (key, reply, created) SELECT key, reply, created FROM idempotency;
            DROP TABLE idempotency;
            ALTER TABLE idempotency_v4 RENAME TO idempotency;
            """,
            // A message names its queue by the queue's integer id, not its ARN: sixty bytes less in the row and in
            // each of the two indexes that lead with the queue. Ids are never reused (AUTOINCREMENT), so no
            // message can come to name a queue created after its own was deleted.
            "v5-queue-ids": """
            CREATE TABLE queues_v5 (
                id INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
                attributes TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '{}', created REAL NOT NULL, modified REAL NOT NULL,
                purged REAL);
            INSERT INTO queues_v5 (arn, name, attributes, tags, created, modified, purged)
                SELECT arn, name, attributes, tags, created, modified, purged FROM queues ORDER BY rowid;
            CREATE TABLE messages_v5 (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, queue INTEGER NOT NULL,
                body TEXT NOT NULL, md5 TEXT NOT NULL, attributes TEXT, sent REAL NOT NULL,
                visible_at REAL NOT NULL, receive_count INTEGER NOT NULL, first_receive REAL,
                receipt_handle TEXT, group_id TEXT, deduplication_id TEXT, moved_from TEXT);
            INSERT INTO messages_v5 (seq, message_id, queue, body, md5, attributes, sent, visible_at, receive_count,
                    first_receive, receipt_handle, group_id, deduplication_id, moved_from)
                SELECT messages.seq, messages.message_id, queues_v5.id, messages.body, messages.md5,
                    messages.attributes, messages.sent, messages.visible_at, messages.receive_count,
                    messages.first_receive, messages.receipt_handle, messages.group_id, messages.deduplication_id,
                    messages.moved_from
                FROM messages JOIN queues_v5 ON queues_v5.arn = messages.queue;
            -- Sequence numbers go on from where they were, even past messages since deleted.
            DELETE FROM sqlite_sequence WHERE name = 'messages_v5';
            INSERT INTO sqlite_sequence (name, seq) SELECT 'messages_v5', seq FROM sqlite_sequence WHERE name = 'messages';
            DROP TABLE messages;
            DROP TABLE queues;
            ALTER TABLE messages_v5 RENAME TO messages;
            ALTER TABLE queues_v5 RENAME TO queues;
            CREATE INDEX messages_ready ON messages(queue, visible_at);
            CREATE INDEX messages_by_sent ON messages(queue, sent);
            CREATE UNIQUE INDEX messages_by_handle ON messages(receipt_handle);
            """,
        ])
    }
}
