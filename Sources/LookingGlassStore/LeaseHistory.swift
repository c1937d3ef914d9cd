import DHCPv6
import GRDB

extension LeaseInput {
    /// The canonical text of a prefix, `ADDR/LEN`, with the bits after `length` cleared, so a prefix
    /// is stored and looked up under one spelling whatever host bits a server sent.
    public static func prefixText(_ address: IPv6Address, length: Int) -> String {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        let masked = IPv6Address(high: address.high & mask(length), low: address.low & mask(length - 64))
        return "\(masked)/\(length)"
    }
}

/// Derives lease intervals from Replies: a Reply with a valid lifetime opens or extends an interval
/// (Request, Renew, Rebind, Solicit with rapid commit); a lifetime of 0, or a Reply to a Release or
/// Decline, ends it.
enum LeaseHistory {
    static let granting: Set<String> = ["request", "renew", "rebind", "solicit", "confirm"]
    static let ending: Set<String> = ["release", "decline"]

    /// The three statements of a lease update, prepared once per batch (looking a cached statement
    /// up by its SQL text hashes the whole text: per lease, that showed in the profile).
    struct Statements {
        let end: Statement
        let extend: Statement
        let insert: Statement

        init(_ db: Database) throws {
            end = try db.cachedStatement(sql: """
                UPDATE leases SET until_time = ?, ended = 1
                WHERE client_id = ? AND text = ? AND ended = 0 AND until_time >= ? AND from_time <= ?
                """)
            extend = try db.cachedStatement(sql: """
                UPDATE leases SET until_time = max(until_time, ?)
                WHERE client_id = ? AND text = ? AND ended = 0 AND until_time >= ? AND from_time <= ?
                """)
            insert = try db.cachedStatement(sql: """
                INSERT INTO leases (client_id, server_id, kind, text, from_time, until_time) VALUES (?, ?, ?, ?, ?, ?)
                """)
        }
    }

    static func apply(
        _ transaction: TransactionInput, client: Int64, server: Int64, in db: Database, statements: Statements
    ) throws {
        guard transaction.responseType == "reply", let request = transaction.requestType else { return }
        let at = transaction.timestampOut > 0 && transaction.timestampOut.isFinite ? transaction.timestampOut : transaction.timestampIn
        guard at.isFinite else { return }
        for lease in transaction.leases {
            if ending.contains(request) || lease.validLifetime == 0 {
                try statements.end.execute(arguments: [at, client, lease.text, at, at])
                continue
            }
            guard granting.contains(request) else { continue }
            let until = at + Double(lease.validLifetime)
            try statements.extend.execute(arguments: [until, client, lease.text, at, at])
            if db.changesCount == 0 {
                try statements.insert.execute(arguments: [client, server, lease.kind.rawValue, lease.text, at, until])
            }
        }
    }
}

extension Database {
    /// Executes `sql` through the connection's statement cache: the ingest path runs the same few
    /// statements for every transaction, and compiling them each time dominated its cost.
    func run(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
