import Foundation
import GRDB
import JSONValue

extension SQLiteStore {
    /// Stores a batch in one write transaction; returns once it is committed (WAL, synchronous=NORMAL:
    /// durable against a crash of this process, which is what the offset commit after it relies on).
    public func ingest(_ batch: IngestBatch) throws(StoreError) -> IngestResult {
        if batch.isEmpty { return IngestResult(inserted: 0, duplicates: 0) }
        let batchSize = batch.transactions.count
        return try write("store \(batchSize) transaction(s)") { db in
            var servers: [String: Int64] = [:]
            var clients: [ClientInput: Int64] = [:]
            var lastSeen: [Int64: Double] = [:]
            var insertedIDs: [Int64] = []
            var duplicates = 0
            for transaction in batch.transactions {
                let serverID = try Self.serverID(transaction.serverName, in: db, cache: &servers)
                lastSeen[serverID] = max(lastSeen[serverID] ?? 0, transaction.timestampIn, transaction.timestampOut)
                let clientID = try transaction.client.map { client in
                    if let id = clients[client] { return id }
                    let id = try Self.clientID(client, in: db)
                    clients[client] = id
                    return id
                }
                let addresses = transaction.leases.filter { $0.kind == .address }.map(\.text)
                let prefixes = transaction.leases.filter { $0.kind == .prefix }.map(\.text)
                try db.run(
                    sql: """
                        INSERT INTO transactions (identity, server_id, client_id, timestamp_in, timestamp_out,
                            request_type, response_type, latency_ms, relays, addresses, prefixes, status_codes, raw)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity) DO NOTHING
                        """,
                    arguments: [
                        transaction.identity, serverID, clientID, transaction.timestampIn, transaction.timestampOut,
                        transaction.requestType, transaction.responseType, transaction.latencyMs,
                        Self.relaysJSON(transaction.relays), Self.textList(addresses), Self.textList(prefixes),
                        Self.textList(transaction.statusCodes), Data(transaction.raw),
                    ])
                guard db.changesCount > 0 else {
                    duplicates += 1
                    continue
                }
                let transactionID = db.lastInsertedRowID
                insertedIDs.append(transactionID)
                for text in Set(addresses + prefixes) {
                    try db.run(
                        sql: "INSERT INTO transaction_leases (transaction_id, text) VALUES (?, ?)",
                        arguments: [transactionID, text])
                }
                if let clientID { try LeaseHistory.apply(transaction, client: clientID, server: serverID, in: db) }
            }
            for (serverID, seen) in lastSeen {
                try db.run(
                    sql: "UPDATE servers SET last_seen = max(last_seen, ?) WHERE id = ?", arguments: [seen, serverID])
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
                        Int64(truncatingIfNeeded: gap.lastSequence), Int64(clamping: gap.frames), gap.timestamp,
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

    private static func serverID(_ name: String, in db: Database, cache: inout [String: Int64]) throws -> Int64 {
        if let id = cache[name] { return id }
        try db.run(sql: "INSERT INTO servers (name) VALUES (?) ON CONFLICT (name) DO NOTHING", arguments: [name])
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM servers WHERE name = ?"), arguments: [name]) ?? 0
        cache[name] = id
        return id
    }

    private static func clientID(_ client: ClientInput, in db: Database) throws -> Int64 {
        let key: StatementArguments = [Data(client.duid), Data(client.interfaceID), Data(client.remoteID)]
        try db.run(
            sql: """
                INSERT INTO clients (duid, interface_id, remote_id, subscriber_id, mac) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (duid, interface_id, remote_id) DO UPDATE SET
                    subscriber_id = CASE WHEN length(excluded.subscriber_id) > 0 THEN excluded.subscriber_id
                        ELSE subscriber_id END,
                    mac = coalesce(excluded.mac, mac)
                """,
            arguments: key + [Data(client.subscriberID), client.mac])
        return try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM clients WHERE duid = ? AND interface_id = ? AND remote_id = ?"),
            arguments: key) ?? 0
    }

    static func textList(_ items: [String]) -> String { JSONValue.array(items.map { .string($0) }).compactText }

    static func relaysJSON(_ relays: [RelayHop]) -> String {
        JSONValue.array(
            relays.map {
                .object([
                    ("hop_count", .int(Int64($0.hopCount))), ("link_address", .string($0.linkAddress)),
                    ("peer_address", .string($0.peerAddress)), ("interface_id", .string($0.interfaceID)),
                    ("remote_id", .string($0.remoteID)),
                ])
            }
        ).compactText
    }
}
