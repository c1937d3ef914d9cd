import Foundation
import GRDB
import JSONValue

extension SQLiteStore {
    /// Stores a batch in one write transaction; returns once it is committed (WAL, synchronous=NORMAL:
    /// durable against a crash of this process, which is what the offset commit after it relies on).
    ///
    /// The per-row work is kept to the statements that must run per row (the transaction, its address
    /// index rows, its lease updates), bound directly (``IngestStatements``); servers and clients are
    /// looked up once per batch, and the overview's per-server counts are added up here and written
    /// once per batch.
    public func ingest(_ batch: IngestBatch) throws(StoreError) -> IngestResult {
        if batch.isEmpty { return IngestResult(inserted: 0, duplicates: 0) }
        let batchSize = batch.transactions.count
        return try write("store \(batchSize) transaction(s)") { db in
            var servers: [String: Int64] = [:]
            var clients: [ClientInput: Int64] = [:]
            var lastSeen: [Int64: Double] = [:]
            var counts: [TypeCountKey: (transactions: Int, unanswered: Int)] = [:]
            var minutes: [MinuteKey: Int] = [:]
            var insertedIDs: [Int64] = []
            insertedIDs.reserveCapacity(batchSize)
            var duplicates = 0
            let statements = try IngestStatements(db)
            for transaction in batch.transactions {
                let serverID = try Self.serverID(transaction.serverName, in: db, cache: &servers)
                lastSeen[serverID] = max(
                    lastSeen[serverID] ?? 0, Self.finite(transaction.timestampIn), Self.finite(transaction.timestampOut))
                var clientID: Int64?
                if let client = transaction.client {
                    if let id = clients[client] {
                        clientID = id
                    } else {
                        let id = try statements.clientID(client)
                        clients[client] = id
                        clientID = id
                    }
                }
                guard let transactionID = try statements.insert(transaction, server: serverID, client: clientID) else {
                    duplicates += 1
                    continue
                }
                insertedIDs.append(transactionID)
                let key = TypeCountKey(server: serverID, type: transaction.requestType ?? "-")
                let unanswered = transaction.responseType == nil && transaction.requestType != nil ? 1 : 0
                let count = counts[key] ?? (0, 0)
                counts[key] = (count.transactions + 1, count.unanswered + unanswered)
                // Timestamps come from the frame: anything not a plausible time counts as minute 0.
                let minutes60 = transaction.timestampIn / 60
                let minute = minutes60.isFinite && abs(minutes60) < 1e15 ? Int64(minutes60.rounded(.down)) : 0
                minutes[MinuteKey(server: serverID, minute: minute), default: 0] += 1
                if let clientID {
                    try LeaseHistory.apply(transaction, client: clientID, server: serverID, statements: statements.leases)
                }
            }
            for (serverID, seen) in lastSeen {
                try db.run(
                    sql: "UPDATE servers SET last_seen = max(last_seen, ?) WHERE id = ?", arguments: [seen, serverID])
            }
            for (key, count) in counts {
                try db.run(
                    sql: """
                        INSERT INTO server_types VALUES (?, ?, ?, ?) ON CONFLICT (server_id, request_type) DO UPDATE SET
                            transactions = transactions + excluded.transactions,
                            unanswered = unanswered + excluded.unanswered
                        """,
                    arguments: [key.server, key.type, count.transactions, count.unanswered])
            }
            for (key, count) in minutes {
                try db.run(
                    sql: """
                        INSERT INTO server_minutes VALUES (?, ?, ?) ON CONFLICT (server_id, minute) DO UPDATE SET
                            transactions = transactions + excluded.transactions
                        """,
                    arguments: [key.server, key.minute, count])
            }
            for gap in batch.gaps {
                let serverID = try Self.serverID(gap.serverName, in: db, cache: &servers)
                try db.run(
                    sql: """
                        INSERT INTO gaps (server_id, spool, first_sequence, last_sequence, frames, timestamp)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        serverID, gap.spool, Int64(truncatingIfNeeded: gap.firstSequence),
                        Int64(truncatingIfNeeded: gap.lastSequence), Int64(clamping: gap.frames), Self.finite(gap.timestamp),
                    ])
            }
            for record in batch.undecodable {
                try db.run(
                    sql: """
                        INSERT INTO undecodable (reason, detail, partition, kafka_offset, value, received)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [
                        record.reason, record.detail, record.partition, record.offset, Data(record.value), record.received,
                    ])
            }
            return IngestResult(inserted: insertedIDs.count, duplicates: duplicates, insertedIDs: insertedIDs)
        }
    }

    /// `value`, or 0 when it is NaN or infinite.
    static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }

    /// A row of `server_minutes`.
    private struct MinuteKey: Hashable {
        let server: Int64
        let minute: Int64
    }

    /// A row of `server_types`.
    private struct TypeCountKey: Hashable {
        let server: Int64
        let type: String
    }

    private static func serverID(_ name: String, in db: Database, cache: inout [String: Int64]) throws -> Int64 {
        if let id = cache[name] { return id }
        try db.run(sql: "INSERT INTO servers (name) VALUES (?) ON CONFLICT (name) DO NOTHING", arguments: [name])
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM servers WHERE name = ?"), arguments: [name]) ?? 0
        cache[name] = id
        return id
    }

    /// A JSON array of strings. Addresses, prefixes and status names need no escaping, so they are
    /// written directly; anything else goes through the JSON writer.
    static func textList(_ items: [String]) -> String {
        if items.isEmpty { return "[]" }
        var out = "["
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            appendJSONString(item, to: &out)
        }
        return out + "]"
    }

    static func appendJSONString(_ text: String, to out: inout String) {
        let plain = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        if plain {
            out += "\""
            out += text
            out += "\""
        } else {
            out += JSONValue.string(text).compactText
        }
    }
}
