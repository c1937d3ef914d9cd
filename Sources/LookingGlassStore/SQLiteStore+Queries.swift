import DHCPv6
import Foundation
import GRDB
import JSONValue

extension SQLiteStore {
    static let summaryColumns = """
        t.id, s.name AS server_name, t.timestamp_in, t.timestamp_out, t.request_type, t.response_type,
        t.latency_ms, t.addresses, t.prefixes, c.duid, c.interface_id, c.remote_id
        """
    static let summaryJoins = """
        FROM transactions t JOIN servers s ON s.id = t.server_id LEFT JOIN clients c ON c.id = t.client_id
        """

    /// Transactions matching `query`, newest (highest id) first, with the cursor of the next page.
    public func transactions(_ query: TransactionQuery) throws(StoreError) -> TransactionPage {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            conditions.append(condition)
            arguments += [value]
        }
        if let duid = query.duid { add("c.duid = ?", Data(duid)) }
        if let server = query.server { add("s.name = ?", server) }
        func any(_ column: String, _ values: [[UInt8]]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (" + Array(repeating: "?", count: values.count).joined(separator: ",") + ")")
            arguments += StatementArguments(values.map { Data($0) })
        }
        any("c.interface_id", query.interfaceIDs)
        any("c.remote_id", query.remoteIDs)
        any("c.subscriber_id", query.subscriberIDs)
        if let mac = query.mac { add("c.mac = ?", mac.lowercased()) }
        if let address = query.address {
            add("t.id IN (SELECT transaction_id FROM transaction_leases WHERE text = ?)", address)
        }
        if let since = query.since { add("t.timestamp_in >= ?", since) }
        if let until = query.until { add("t.timestamp_in < ?", until) }
        if let before = query.before { add("t.id < ?", before) }
        if query.unansweredOnly { conditions.append("t.response_type IS NULL") }
        let limit = min(max(query.limit, 1), 1000)
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.summaryColumns) \(Self.summaryJoins) \(whereClause) ORDER BY t.id DESC LIMIT \(limit + 1)"
        let rows = try read("search transactions") { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let summaries = rows.prefix(limit).map(Self.summary)
        return TransactionPage(transactions: summaries, next: rows.count > limit ? summaries.last?.id : nil)
    }

    /// One transaction with its raw frame.
    public func transaction(id: Int64) throws(StoreError) -> TransactionDetail? {
        try read("read transaction \(id)") { db in
            let sql = "SELECT \(Self.summaryColumns), t.raw, t.status_codes, c.mac \(Self.summaryJoins) WHERE t.id = ?"
            guard let row = try Row.fetchOne(db, sql: sql, arguments: [id]) else { return nil }
            let raw: Data = row["raw"] ?? Data()
            return TransactionDetail(
                summary: Self.summary(row), raw: Array(raw), statusCodes: Self.list(row["status_codes"]), mac: row["mac"])
        }
    }

    /// Lease intervals that include `time` for `text`: the address (or prefix) itself, and every
    /// delegated prefix that contains it (a /64 or an address inside a delegated /56 finds the /56).
    public func leases(of text: String, kind: LeaseInput.Kind, at time: Double) throws(StoreError) -> [LeaseInterval] {
        let candidates = Self.containingPrefixes(of: text)
        return try read("look up leases of \(text)") { db in
            var rows = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT l.kind, l.text, l.from_time, l.until_time, s.name, c.duid, c.interface_id, c.remote_id
                    FROM leases l JOIN servers s ON s.id = l.server_id JOIN clients c ON c.id = l.client_id
                    WHERE l.text = ? AND l.kind = ? AND l.from_time <= ? AND l.until_time >= ?
                    """),
                arguments: [text, kind.rawValue, time, time])
            if !candidates.isEmpty {
                let marks = Array(repeating: "?", count: candidates.count).joined(separator: ",")
                var arguments = StatementArguments(candidates)
                arguments += [time, time]
                rows += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT l.kind, l.text, l.from_time, l.until_time, s.name, c.duid, c.interface_id, c.remote_id
                        FROM leases l JOIN servers s ON s.id = l.server_id JOIN clients c ON c.id = l.client_id
                        WHERE l.text IN (\(marks)) AND l.kind = 'prefix' AND l.from_time <= ? AND l.until_time >= ?
                        """,
                    arguments: arguments)
            }
            return rows.map { row in
                LeaseInterval(
                    clientDUID: Self.bytes(row["duid"]), interfaceID: Self.bytes(row["interface_id"]),
                    remoteID: Self.bytes(row["remote_id"]), serverName: row["name"],
                    kind: LeaseInput.Kind(rawValue: row["kind"]) ?? kind, text: row["text"], from: row["from_time"],
                    until: row["until_time"])
            }.sorted { ($0.from, $0.text) < ($1.from, $1.text) }
        }
    }

    /// The canonical texts of every prefix strictly shorter than `text` that contains it: for an
    /// address, lengths 1-128; for `ADDR/LEN`, lengths 1..<LEN. Empty when `text` does not parse.
    static func containingPrefixes(of text: String) -> [String] {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv6Address(String(parts[0])) else { return [] }
        var length = 128
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...128).contains(given) else { return [] }
            length = given
        }
        // Lengths from the longest down; the exact text itself is looked up by the caller.
        return (1..<max(length, 1)).reversed().map { LeaseInput.prefixText(address, length: $0) }
            + (parts.count == 1 ? ["\(address)/128"] : [])
    }

    static func summary(_ row: Row) -> TransactionSummary {
        TransactionSummary(
            id: row["id"], serverName: row["server_name"], timestampIn: row["timestamp_in"],
            timestampOut: row["timestamp_out"], requestType: row["request_type"], responseType: row["response_type"],
            clientDUID: bytes(row["duid"]), interfaceID: bytes(row["interface_id"]), remoteID: bytes(row["remote_id"]),
            addresses: list(row["addresses"]), prefixes: list(row["prefixes"]), latencyMs: row["latency_ms"])
    }

    static func bytes(_ data: Data?) -> [UInt8] { data.map { Array($0) } ?? [] }

    static func list(_ text: String?) -> [String] {
        guard let text, let value = try? JSONValue.parse(text), let items = value.arrayValue else { return [] }
        return items.compactMap(\.stringValue)
    }
}
