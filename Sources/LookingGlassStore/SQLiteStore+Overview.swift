import GRDB

extension SQLiteStore {
    /// Every server with its figures; the sparkline covers the hour before `now` (transactions
    /// received per minute, counted as they were stored).
    public func servers(now: Double) throws(StoreError) -> [ServerSummary] {
        try read("read the server overview") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.name, s.last_seen,
                        (SELECT coalesce(sum(transactions), 0) FROM server_types c WHERE c.server_id = s.id) AS total,
                        (SELECT coalesce(sum(unanswered), 0) FROM server_types c WHERE c.server_id = s.id) AS unanswered,
                        (SELECT coalesce(sum(frames), 0) FROM gaps g WHERE g.server_id = s.id) AS lost
                    FROM servers s ORDER BY s.name
                    """)
            return try rows.map { row in
                let id: Int64 = row["id"]
                let latencies = try Double.fetchAll(
                    db,
                    sql: """
                        SELECT latency_ms FROM transactions WHERE server_id = ? AND latency_ms IS NOT NULL
                        ORDER BY timestamp_in DESC LIMIT 2000
                        """,
                    arguments: [id]
                ).sorted()
                var mix: [(String, Int)] = []
                for typeRow in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT request_type AS type, transactions AS n FROM server_types
                        WHERE server_id = ? AND transactions > 0 ORDER BY 2 DESC, 1
                        """, arguments: [id])
                {
                    mix.append((typeRow["type"], typeRow["n"]))
                }
                // Minutes on the clock: the last bucket is the current (partial) minute.
                var perMinute = Array(repeating: 0, count: 60)
                let first = Int64(((now - 3600) / 60).rounded(.down)) + 1
                for bucket in try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT minute, transactions FROM server_minutes WHERE server_id = ? AND minute >= ? AND minute < ?
                        """), arguments: [id, first, first + 60])
                {
                    let minute: Int64 = bucket["minute"]
                    perMinute[Int(minute - first)] = bucket["transactions"]
                }
                return ServerSummary(
                    name: row["name"], lastSeen: row["last_seen"], transactions: row["total"],
                    unanswered: row["unanswered"], latencyP50Ms: Self.percentile(latencies, 0.50),
                    latencyP99Ms: Self.percentile(latencies, 0.99), lostFrames: row["lost"], typeMix: mix,
                    perMinute: perMinute)
            }
        }
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Removes transactions beyond the per-client count or older than the age, lease intervals that
    /// ended before the lease age, clients left with neither, gaps as old as
    /// the transaction age, and undecodable records beyond the newest 10,000.
    public func prune(_ retention: Retention, now: Double) throws(StoreError) -> Int {
        try write("apply retention") { db in
            var removed = 0
            try db.execute(
                sql: "DELETE FROM transactions WHERE timestamp_in < ?", arguments: [now - retention.transactionAge])
            removed += db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM transactions WHERE id IN (
                        SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY client_id ORDER BY id DESC) AS n
                            FROM transactions WHERE client_id IS NOT NULL) WHERE n > ?)
                    """, arguments: [retention.transactionsPerClient])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM leases WHERE until_time < ?", arguments: [now - retention.leaseAge])
            removed += db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM clients WHERE id NOT IN (SELECT client_id FROM transactions WHERE client_id IS NOT NULL)
                        AND id NOT IN (SELECT client_id FROM leases)
                    """)
            try db.execute(sql: "DELETE FROM gaps WHERE timestamp < ?", arguments: [now - retention.transactionAge])
            try db.execute(sql: "DELETE FROM server_minutes WHERE minute < ?", arguments: [Int64((now - 7200) / 60)])
            try db.execute(
                sql: "DELETE FROM undecodable WHERE id <= (SELECT max(id) FROM undecodable) - 10000")
            removed += db.changesCount
            return removed
        }
    }
}
