import CSQLiteTuning
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode through a GRDB `DatabasePool` (one writer,
/// concurrent readers, so slow web clients never stall the collector's writes).
public final class SQLiteStore: LookingGlassStore {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating when missing) the database at `path` and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        _ = Self.tuneSQLite
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            // The writer's page cache holds the hot ends of the indexes every batch touches (32 MiB;
            // readers keep SQLite's default, so many web clients do not multiply it).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -32768") }
        } catch {
            throw StoreError(
                "Could not open the looking glass database \(path): \(error). Check that its directory exists and is "
                    + "writable by this user, and that the file is a looking glass database.")
        }
    }

    /// Process-wide SQLite settings, applied once before the first connection: no allocation
    /// statistics (a global mutex around each of SQLite's allocations; 6 % of the store thread's
    /// samples in the collector benchmark). When something opened SQLite earlier the call is refused
    /// and nothing changes but the speed.
    private static let tuneSQLite: Void = { _ = dhcpkafka_sqlite_disable_memstatus() }()

    /// Runs `body` in a write transaction, mapping database errors to ``StoreError``.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError("Could not \(what) in \(path): \(error). Check free disk space and the file's permissions.")
        }
    }

    /// Runs `body` on a read snapshot.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError("Could not \(what) from \(path): \(error).")
        }
    }

    /// Counts and size.
    public func statistics() throws(StoreError) -> StoreStatistics {
        let (transactions, clients, leases, undecodable) = try read("read statistics") { db in
            let t = try Int.fetchOne(db, sql: "SELECT count(*) FROM transactions") ?? 0
            let c = try Int.fetchOne(db, sql: "SELECT count(*) FROM clients") ?? 0
            let l = try Int.fetchOne(db, sql: "SELECT count(*) FROM leases") ?? 0
            var u: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reason, count(*) AS n FROM undecodable GROUP BY reason") {
                u[row["reason"]] = row["n"]
            }
            return (t, c, l, u)
        }
        var bytes: Int64 = 0
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            if stat(path + suffix, &info) == 0 { bytes += Int64(info.st_size) }
        }
        return StoreStatistics(
            transactions: transactions, clients: clients, leases: leases, undecodable: undecodable, bytesOnDisk: bytes)
    }
}
