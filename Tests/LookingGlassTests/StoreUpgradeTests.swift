import DHCPKafkaTestSupport
import Foundation
import GRDB
import LookingGlassCollector
@testable import LookingGlassStore
import Testing

/// Rows the ingest wrote before the transaction row was narrowed stay readable, and the ingest's
/// directly bound statements store every kind of value.
@Suite struct StoreUpgradeTests {
    @Test func rowsOfTheOldIngestStayReadableAndNewRowsStoreNoRelayChain() async throws {
        try await TemporaryDirectory.with(prefix: "lg-upgrade") { dir in
            let path = dir.appending("lg.sqlite")
            // A row the way the ingest wrote it before the relay chain left the row.
            do {
                let store = try SQLiteStore(path: path)
                try store.pool.write { db in
                    try db.execute(sql: "INSERT INTO servers (name) VALUES ('old')")
                    try db.execute(
                        sql: """
                            INSERT INTO transactions (identity, server_id, client_id, timestamp_in, timestamp_out,
                                request_type, response_type, latency_ms, relays, addresses, prefixes, status_codes, raw)
                            VALUES ('s:x:0:1', 1, NULL, 1800000000, 1800000000.5, 'solicit', 'advertise', 500,
                                '[{"hop_count":0}]', '["2001:db8::1"]', '[]', '["success"]', x'01020304')
                            """)
                }
            }
            let store = try SQLiteStore(path: path)
            let detail = try #require(try store.transaction(id: 1))
            #expect(detail.summary.serverName == "old")
            #expect(detail.summary.addresses == ["2001:db8::1"])
            #expect(detail.statusCodes == ["success"])
            #expect(detail.raw == [1, 2, 3, 4])
            var batch = IngestBatch()
            batch.transactions = [
                TransactionInput(
                    identity: "s:x:0:2", serverName: "old", timestampIn: 1_800_000_001, timestampOut: 1_800_000_001.5,
                    requestType: "solicit", responseType: "advertise", client: nil, leases: [], statusCodes: [],
                    raw: [5, 6]),
            ]
            let id = try #require(try store.ingest(batch).insertedIDs.first)
            let relays = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT relays FROM transactions ORDER BY id")
            }
            #expect(relays == ["[{\"hop_count\":0}]", ""])
            #expect(try store.transaction(id: id)?.raw == [5, 6])
        }
    }

    @Test func directlyBoundValuesReadBackUnchanged() async throws {
        try await TemporaryDirectory.with(prefix: "lg-bind") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            // Empty blobs (no interface-id), a NULL MAC, non-ASCII text, NaN timestamps and a client
            // seen twice in one batch (the upsert's RETURNING gives the same id both times).
            let client = ClientInput(duid: [0, 3, 0, 1, 1, 2, 3, 4, 5, 6], interfaceID: [], remoteID: [], subscriberID: [], mac: nil)
            func transaction(_ n: Int, server: String, at time: Double) -> TransactionInput {
                TransactionInput(
                    identity: "h:\(n)", serverName: server, timestampIn: time, timestampOut: 0, requestType: "solicit",
                    responseType: nil, client: client, leases: [], statusCodes: [], raw: [0xFF, 0x00, UInt8(n)])
            }
            var batch = IngestBatch()
            batch.transactions = [
                transaction(1, server: "dhcp-ü\"", at: 1_800_000_000), transaction(2, server: "dhcp-ü\"", at: .nan),
            ]
            let result = try store.ingest(batch)
            #expect(result.inserted == 2)
            let first = try #require(try store.transaction(id: result.insertedIDs[0]))
            let second = try #require(try store.transaction(id: result.insertedIDs[1]))
            #expect(first.summary.serverName == "dhcp-ü\"")
            #expect(first.summary.clientDUID == client.duid && second.summary.clientDUID == client.duid)
            #expect(first.summary.interfaceID == [] && first.mac == nil)
            #expect(first.summary.timestampIn == 1_800_000_000 && second.summary.timestampIn == 0)
            #expect(first.summary.responseType == nil && first.summary.latencyMs == nil)
            #expect(second.raw == [0xFF, 0x00, 2])
            #expect(try store.statistics().clients == 1)
        }
    }
}
