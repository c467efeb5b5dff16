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
            """
        ])
    }
}
