import GRDB

extension SQLiteStore {
    /// The numbered schema migrations; a database records which ran, so new ones append here only.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-initial") { db in
            try db.execute(sql: """
                CREATE TABLE servers (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, last_seen REAL NOT NULL DEFAULT 0);
                CREATE TABLE clients (
                    id INTEGER PRIMARY KEY, duid BLOB NOT NULL, interface_id BLOB NOT NULL, remote_id BLOB NOT NULL,
                    subscriber_id BLOB NOT NULL, mac TEXT,
                    UNIQUE (duid, interface_id, remote_id));
                CREATE INDEX clients_mac ON clients (mac);
                CREATE INDEX clients_interface ON clients (interface_id);
                CREATE INDEX clients_remote ON clients (remote_id);
                CREATE INDEX clients_subscriber ON clients (subscriber_id);
                CREATE TABLE transactions (
                    id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE,
                    server_id INTEGER NOT NULL REFERENCES servers(id), client_id INTEGER REFERENCES clients(id),
                    timestamp_in REAL NOT NULL, timestamp_out REAL NOT NULL,
                    request_type TEXT, response_type TEXT, latency_ms REAL,
                    relays TEXT NOT NULL, addresses TEXT NOT NULL, prefixes TEXT NOT NULL, status_codes TEXT NOT NULL,
                    raw BLOB NOT NULL);
                CREATE INDEX transactions_client ON transactions (client_id, id);
                CREATE INDEX transactions_server ON transactions (server_id, timestamp_in);
                CREATE INDEX transactions_time ON transactions (timestamp_in);
                CREATE TABLE transaction_leases (
                    transaction_id INTEGER NOT NULL REFERENCES transactions(id) ON DELETE CASCADE, text TEXT NOT NULL);
                CREATE INDEX transaction_leases_text ON transaction_leases (text, transaction_id);
                CREATE INDEX transaction_leases_tx ON transaction_leases (transaction_id);
                CREATE TABLE leases (
                    id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
                    server_id INTEGER NOT NULL REFERENCES servers(id), kind TEXT NOT NULL, text TEXT NOT NULL,
                    from_time REAL NOT NULL, until_time REAL NOT NULL, ended INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX leases_text ON leases (text, from_time);
                CREATE INDEX leases_client ON leases (client_id, text);
                CREATE INDEX leases_until ON leases (until_time);
                CREATE TABLE gaps (
                    id INTEGER PRIMARY KEY, server_id INTEGER NOT NULL REFERENCES servers(id), spool TEXT NOT NULL,
                    first_sequence INTEGER NOT NULL, last_sequence INTEGER NOT NULL, frames INTEGER NOT NULL,
                    timestamp REAL NOT NULL, UNIQUE (spool, first_sequence, last_sequence));
                CREATE TABLE undecodable (
                    id INTEGER PRIMARY KEY, reason TEXT NOT NULL, detail TEXT NOT NULL, partition INTEGER NOT NULL,
                    kafka_offset INTEGER NOT NULL, value BLOB NOT NULL, received REAL NOT NULL,
                    UNIQUE (partition, kafka_offset));
                """)
        }
        // Lease updates look for the open interval of a client's address: without `ended` in the index
        // they walked every closed interval of that address too.
        migrator.registerMigration("2-open-leases-index") { db in
            try db.execute(sql: "CREATE INDEX leases_open ON leases (client_id, text, ended, until_time)")
        }
        // The overview's counts per server and request type, kept by triggers on every insert and
        // delete (retention included), so a render reads a few rows instead of every transaction.
        migrator.registerMigration("3-server-type-counts") { db in
            try db.execute(sql: """
                CREATE TABLE server_types (
                    server_id INTEGER NOT NULL, request_type TEXT NOT NULL, transactions INTEGER NOT NULL,
                    unanswered INTEGER NOT NULL, PRIMARY KEY (server_id, request_type)) WITHOUT ROWID;
                INSERT INTO server_types
                    SELECT server_id, coalesce(request_type, '-'), count(*),
                        sum(response_type IS NULL AND request_type IS NOT NULL)
                    FROM transactions GROUP BY 1, 2;
                CREATE TRIGGER transactions_counted AFTER INSERT ON transactions BEGIN
                    INSERT INTO server_types VALUES (NEW.server_id, coalesce(NEW.request_type, '-'), 1,
                        NEW.response_type IS NULL AND NEW.request_type IS NOT NULL)
                    ON CONFLICT (server_id, request_type) DO UPDATE SET
                        transactions = transactions + 1, unanswered = unanswered + excluded.unanswered;
                END;
                CREATE TRIGGER transactions_uncounted AFTER DELETE ON transactions BEGIN
                    UPDATE server_types SET transactions = transactions - 1,
                        unanswered = unanswered - (OLD.response_type IS NULL AND OLD.request_type IS NOT NULL)
                    WHERE server_id = OLD.server_id AND request_type = coalesce(OLD.request_type, '-');
                END;
                """)
        }
        // The ingest path: the per-server counts are added up per batch by the ingest (one upsert per
        // server and type instead of one per row); leases_open already starts with (client_id, text);
        // the address index is the table itself (WITHOUT ROWID), one B-tree instead of three.
        migrator.registerMigration("4-ingest-write-path") { db in
            try db.execute(sql: """
                DROP TRIGGER transactions_counted;
                DROP INDEX leases_client;
                CREATE TABLE transaction_leases_new (
                    text TEXT NOT NULL,
                    transaction_id INTEGER NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
                    PRIMARY KEY (text, transaction_id)) WITHOUT ROWID;
                INSERT OR IGNORE INTO transaction_leases_new SELECT text, transaction_id FROM transaction_leases;
                DROP TABLE transaction_leases;
                ALTER TABLE transaction_leases_new RENAME TO transaction_leases;
                CREATE INDEX transaction_leases_tx ON transaction_leases (transaction_id);
                """)
        }
        // The overview's sparkline: transactions received per server and minute, added up per batch
        // by the ingest, so a render reads 60 rows per server instead of counting the last hour's
        // index entries (hundreds of thousands at a few hundred transactions a second).
        migrator.registerMigration("5-server-minutes") { db in
            try db.execute(sql: """
                CREATE TABLE server_minutes (
                    server_id INTEGER NOT NULL, minute INTEGER NOT NULL, transactions INTEGER NOT NULL,
                    PRIMARY KEY (server_id, minute)) WITHOUT ROWID;
                INSERT INTO server_minutes
                    SELECT server_id, CAST(timestamp_in / 60 AS INTEGER), count(*) FROM transactions
                    WHERE timestamp_in >= (SELECT coalesce(max(timestamp_in), 0) FROM transactions) - 7200 GROUP BY 1, 2;
                """)
        }
        // `transactions.relays` held the relay chain as JSON beside the raw frame it is decoded from,
        // and nothing read it (the transaction page decodes the raw frame). New rows store '' there.
        // The column stays: dropping it rewrites the whole table, minutes at 10 million rows, longer
        // than systemd waits for a start (a killed migration rolls back and starts over).
        return migrator
    }
}
