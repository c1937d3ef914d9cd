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

    /// The three statements of a lease update, compiled once per batch and bound directly.
    struct Statements {
        let end: DirectStatement
        let extend: DirectStatement
        let insert: DirectStatement

        init(_ db: Database) throws {
            end = try DirectStatement(db, sql: """
                UPDATE leases SET until_time = ?, ended = 1
                WHERE client_id = ? AND text = ? AND ended = 0 AND until_time >= ? AND from_time <= ?
                """)
            extend = try DirectStatement(db, sql: """
                UPDATE leases SET until_time = max(until_time, ?)
                WHERE client_id = ? AND text = ? AND ended = 0 AND until_time >= ? AND from_time <= ?
                """)
            insert = try DirectStatement(db, sql: """
                INSERT INTO leases (client_id, server_id, kind, text, from_time, until_time) VALUES (?, ?, ?, ?, ?, ?)
                """)
        }
    }

    static func apply(_ transaction: TransactionInput, client: Int64, server: Int64, statements: Statements) throws {
        guard transaction.responseType == "reply", let request = transaction.requestType else { return }
        let at = transaction.timestampOut > 0 && transaction.timestampOut.isFinite ? transaction.timestampOut : transaction.timestampIn
        guard at.isFinite else { return }
        // One interval of `client`'s lease: (new end, client, text, at, at).
        func bindInterval(_ row: inout DirectStatement.Binder, _ until: Double, _ text: String) {
            row.bind(1, until)
            row.bind(2, client)
            row.bind(3, text)
            row.bind(4, at)
            row.bind(5, at)
        }
        for lease in transaction.leases {
            if ending.contains(request) || lease.validLifetime == 0 {
                try statements.end.run { bindInterval(&$0, at, lease.text) }
                continue
            }
            guard granting.contains(request) else { continue }
            let until = at + Double(lease.validLifetime)
            let extended = try statements.extend.run { bindInterval(&$0, until, lease.text) }
            if extended == 0 {
                try statements.insert.run { row in
                    row.bind(1, client)
                    row.bind(2, server)
                    row.bind(3, lease.kind.rawValue)
                    row.bind(4, lease.text)
                    row.bind(5, at)
                    row.bind(6, until)
                }
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
