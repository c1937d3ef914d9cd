import GRDB
import GRDBSQLite

/// A statement of the ingest's hot path, bound with `sqlite3_bind_*` directly.
///
/// GRDB's `execute(arguments:)` boxes every value in a `StatementArguments` array of existentials,
/// validates them and converts them to `DatabaseValue`s before binding: at a dozen values per row,
/// that (retain/release, allocation) cost more CPU than SQLite's own insert. This type keeps GRDB's
/// compiled `Statement` (prepared by the connection, finalized by GRDB) and only replaces the
/// binding and stepping of a data-changing statement that returns no rows. It bypasses GRDB's
/// transaction observers, which the looking glass does not use; it must be run inside the write
/// transaction of the connection that made it (``SQLiteStore/ingest(_:)``), and values are copied
/// by SQLite when bound (`SQLITE_TRANSIENT`), so nothing has to outlive a call.
struct DirectStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let db: Database

    /// Compiles `sql` on `db` (per batch: a handful of statements, not per row).
    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        self.db = db
    }

    /// SQLite copies the value before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Runs the statement once with `bind` setting its parameters (1-based, every one of them);
    /// returns the number of rows it changed.
    @discardableResult
    func run(_ bind: (inout Binder) -> Void) throws -> Int {
        _ = try step(bind, expecting: SQLITE_DONE)
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    /// The rowid of the connection's last successful INSERT.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(db.sqliteConnection) }

    /// Runs a statement whose first result column is an integer (`... RETURNING id`); returns that
    /// value from its first row, or nil when it returned none.
    func runReturningInteger(_ bind: (inout Binder) -> Void) throws -> Int64? {
        guard try step(bind, expecting: SQLITE_ROW) else { return nil }
        let value = sqlite3_column_int64(handle, 0)
        // The statement did all its work in the first step; finish it so its changes are complete.
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failed(code) }
        }
        return value
    }

    /// Binds and steps once; true when the step gave `expected`, false for SQLITE_DONE.
    private func step(_ bind: (inout Binder) -> Void, expecting expected: CInt) throws -> Bool {
        sqlite3_reset(handle)
        var binder = Binder(handle: handle)
        bind(&binder)
        if let failure = binder.failure { throw error(failure) }
        let code = sqlite3_step(handle)
        if code == expected { return true }
        if code == SQLITE_DONE { return false }
        throw failed(code)
    }

    private func failed(_ code: CInt) -> DatabaseError {
        // sqlite3_reset returns the step's error code too; read the message before it.
        let failure = error(code)
        sqlite3_reset(handle)
        return failure
    }

    private func error(_ code: CInt) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
    }

    /// Sets the parameters of one execution.
    struct Binder {
        let handle: OpaquePointer
        /// The first bind call that failed (SQLITE_RANGE, SQLITE_NOMEM, SQLITE_TOOBIG), if any.
        var failure: CInt?

        private mutating func check(_ code: CInt) {
            if code != SQLITE_OK, failure == nil { failure = code }
        }

        /// An integer.
        mutating func bind(_ index: CInt, _ value: Int64) { check(sqlite3_bind_int64(handle, index, value)) }

        /// An integer, or NULL.
        mutating func bind(_ index: CInt, _ value: Int64?) {
            if let value { bind(index, value) } else { check(sqlite3_bind_null(handle, index)) }
        }

        /// A real; NaN would become NULL in SQLite, so callers pass finite values or nil.
        mutating func bind(_ index: CInt, _ value: Double) { check(sqlite3_bind_double(handle, index, value)) }

        /// A real, or NULL.
        mutating func bind(_ index: CInt, _ value: Double?) {
            if let value { bind(index, value) } else { check(sqlite3_bind_null(handle, index)) }
        }

        /// Text (UTF-8).
        mutating func bind(_ index: CInt, _ value: String) {
            var text = value
            let code = text.withUTF8 { utf8 -> CInt in
                guard let length = CInt(exactly: utf8.count) else { return SQLITE_TOOBIG }
                guard let base = utf8.baseAddress, length > 0 else {
                    return sqlite3_bind_text(handle, index, "", 0, DirectStatement.transient)
                }
                return sqlite3_bind_text(
                    handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), length,
                    DirectStatement.transient)
            }
            check(code)
        }

        /// Text, or NULL.
        mutating func bind(_ index: CInt, _ value: String?) {
            if let value { bind(index, value) } else { check(sqlite3_bind_null(handle, index)) }
        }

        /// A blob (an empty array binds an empty blob, not NULL).
        mutating func bind(_ index: CInt, blob value: [UInt8]) {
            let code = value.withUnsafeBytes { bytes -> CInt in
                guard let length = CInt(exactly: bytes.count) else { return SQLITE_TOOBIG }
                // A null pointer would bind NULL: an empty value is a zero-length blob.
                guard let base = bytes.baseAddress, length > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob(handle, index, base, length, DirectStatement.transient)
            }
            check(code)
        }
    }
}
