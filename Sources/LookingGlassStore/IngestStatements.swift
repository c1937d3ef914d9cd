import GRDB

/// The statements the ingest runs per row, compiled once per batch and bound directly.
///
/// A transaction row keeps the raw frame and the few columns the queries filter or list by; what
/// the full decode of the raw frame gives (the relay chain) is not stored a second time: `relays`,
/// a column of the first schema, gets '' (see the migrations).
struct IngestStatements {
    private let insertTransaction: DirectStatement
    private let insertAddress: DirectStatement
    private let upsertClient: DirectStatement
    /// The lease history's statements.
    let leases: LeaseHistory.Statements

    init(_ db: Database) throws {
        insertTransaction = try DirectStatement(
            db,
            sql: """
                INSERT INTO transactions (identity, server_id, client_id, timestamp_in, timestamp_out,
                    request_type, response_type, latency_ms, addresses, prefixes, status_codes, raw, relays)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '') ON CONFLICT (identity) DO NOTHING
                """)
        insertAddress = try DirectStatement(
            db, sql: "INSERT OR IGNORE INTO transaction_leases (text, transaction_id) VALUES (?, ?)")
        // DO UPDATE (never DO NOTHING), so RETURNING gives the id of a known client too.
        upsertClient = try DirectStatement(
            db,
            sql: """
                INSERT INTO clients (duid, interface_id, remote_id, subscriber_id, mac) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (duid, interface_id, remote_id) DO UPDATE SET
                    subscriber_id = CASE WHEN length(excluded.subscriber_id) > 0 THEN excluded.subscriber_id
                        ELSE subscriber_id END,
                    mac = coalesce(excluded.mac, mac)
                RETURNING id
                """)
        leases = try LeaseHistory.Statements(db)
    }

    /// Inserts `transaction` and its address index rows; nil when its identity is already stored.
    func insert(_ transaction: TransactionInput, server: Int64, client: Int64?) throws -> Int64? {
        var addresses: [String] = []
        var prefixes: [String] = []
        for lease in transaction.leases {
            if lease.kind == .address { addresses.append(lease.text) } else { prefixes.append(lease.text) }
        }
        // A frame's timestamps are whatever its server wrote: SQLite turns NaN into NULL, which would
        // fail the whole batch again on every retry and stall the partition.
        let latency = transaction.latencyMs.flatMap { $0.isFinite ? $0 : nil }
        let changed = try insertTransaction.run { row in
            row.bind(1, transaction.identity)
            row.bind(2, server)
            row.bind(3, client)
            row.bind(4, SQLiteStore.finite(transaction.timestampIn))
            row.bind(5, SQLiteStore.finite(transaction.timestampOut))
            row.bind(6, transaction.requestType)
            row.bind(7, transaction.responseType)
            row.bind(8, latency)
            row.bind(9, SQLiteStore.textList(addresses))
            row.bind(10, SQLiteStore.textList(prefixes))
            row.bind(11, SQLiteStore.textList(transaction.statusCodes))
            row.bind(12, blob: transaction.raw)
        }
        guard changed > 0 else { return nil }
        let id = insertTransaction.lastInsertedRowID
        for lease in transaction.leases {
            try insertAddress.run { row in
                row.bind(1, lease.text)
                row.bind(2, id)
            }
        }
        return id
    }

    /// The id of `client`, inserted when new (its subscriber-id and MAC updated when known).
    func clientID(_ client: ClientInput) throws -> Int64 {
        let id = try upsertClient.runReturningInteger { row in
            row.bind(1, blob: client.duid)
            row.bind(2, blob: client.interfaceID)
            row.bind(3, blob: client.remoteID)
            row.bind(4, blob: client.subscriberID)
            row.bind(5, client.mac)
        }
        guard let id else { throw DatabaseError(message: "the client upsert returned no id") }
        return id
    }
}
