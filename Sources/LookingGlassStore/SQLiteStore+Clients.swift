import Foundation
import GRDB

extension SQLiteStore {
    /// Clients matching `filter` (at most 500), by DUID.
    public func clients(_ filter: ClientFilter) throws(StoreError) -> [ClientRecord] {
        let condition: String
        var arguments: StatementArguments = []
        switch filter {
        case .duid(let duid):
            condition = "duid = ?"
            arguments = [Data(duid)]
        case .sharedLocation:
            // Several DUIDs behind one relay location (interface-id + remote-id), locations only.
            condition = """
                (length(interface_id) > 0 OR length(remote_id) > 0) AND (interface_id, remote_id) IN (
                    SELECT interface_id, remote_id FROM clients WHERE length(interface_id) > 0 OR length(remote_id) > 0
                    GROUP BY interface_id, remote_id HAVING count(DISTINCT duid) > 1)
                """
        case .roaming:
            // One DUID seen at several locations.
            condition = "duid IN (SELECT duid FROM clients GROUP BY duid HAVING count(*) > 1)"
        }
        return try read("list clients") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.duid, c.interface_id, c.remote_id, c.subscriber_id, c.mac,
                        (SELECT count(*) FROM transactions t WHERE t.client_id = c.id) AS transactions,
                        (SELECT max(timestamp_in) FROM transactions t WHERE t.client_id = c.id) AS last_seen
                    FROM clients c WHERE \(condition) ORDER BY c.interface_id, c.remote_id, c.duid LIMIT 500
                    """, arguments: arguments
            ).map { row in
                ClientRecord(
                    duid: Self.bytes(row["duid"]), interfaceID: Self.bytes(row["interface_id"]),
                    remoteID: Self.bytes(row["remote_id"]), subscriberID: Self.bytes(row["subscriber_id"]), mac: row["mac"],
                    transactions: row["transactions"], lastSeen: row["last_seen"] ?? 0)
            }
        }
    }
}
