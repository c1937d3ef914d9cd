import CLMDB

/// A borrowed `MDB_txn *`, valid only inside the closure given to
/// ``LMDBEnvironment/read(_:)`` or ``LMDBEnvironment/write(_:)``. Do not store it.
///
/// Buffers returned by `get` point into the memory map and are valid until the transaction
/// ends or (in a write transaction) until the next write.
struct LMDBTransaction {
    /// The transaction handle; owned by the environment's closure.
    let handle: OpaquePointer

    /// Opens (and, in a write transaction, optionally creates) the named database.
    func openDatabase(_ name: String, create: Bool) throws(LMDBError) -> MDB_dbi {
        var dbi: MDB_dbi = 0
        let flags = create ? UInt32(MDB_CREATE) : 0
        try lmdbCheck(mdb_dbi_open(handle, name, flags, &dbi), "mdb_dbi_open(\(name))")
        return dbi
    }

    /// The value stored under `key`, or nil.
    func get(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key` with `MDB_*` put flags.
    func put(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
             flags: UInt32 = 0) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_put(handle, dbi, &k, &v, flags), "mdb_put")
    }

    /// Reserves `size` bytes for `key` (`MDB_RESERVE` plus `flags`, e.g. `MDB_APPEND`) and returns
    /// the space in the map, which must be filled before the next write in this transaction.
    func reserve(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer, size: Int, flags: UInt32 = 0)
        throws(LMDBError) -> UnsafeMutableRawBufferPointer
    {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: size, mv_data: nil)
        try lmdbCheck(mdb_put(handle, dbi, &k, &v, flags | UInt32(MDB_RESERVE)), "mdb_put(reserve)")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Deletes `key`; returns false if it was not there.
    @discardableResult
    func delete(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(handle, dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "mdb_del")
        return true
    }

    /// Empties the database (`mdb_drop(…, 0)`), keeping it open.
    func empty(_ dbi: MDB_dbi) throws(LMDBError) {
        try lmdbCheck(mdb_drop(handle, dbi, 0), "mdb_drop")
    }

    /// B-tree statistics of a database as seen by this transaction (entries, pages).
    func stat(_ dbi: MDB_dbi) throws(LMDBError) -> MDB_stat {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(handle, dbi, &stat), "mdb_stat")
        return stat
    }

    /// Runs `body` with a cursor on `dbi`, closing the cursor afterwards.
    /// Throws what `body` throws, or LMDB's failure to open the cursor wrapped in the same type.
    func withCursor<T, E: LMDBFailure>(_ dbi: MDB_dbi, _ body: (LMDBCursor) throws(E) -> T) throws(E) -> T {
        var cursor: OpaquePointer?
        do { try lmdbCheck(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open") } catch { throw E(lmdb: error) }
        guard let cursor else { throw E(lmdb: LMDBError(code: .invalid, function: "mdb_cursor_open")) }
        defer { mdb_cursor_close(cursor) }
        return try body(LMDBCursor(handle: cursor))
    }
}

/// A borrowed `MDB_cursor *`, valid only inside ``LMDBTransaction/withCursor(_:_:)``.
struct LMDBCursor {
    /// The cursor handle.
    let handle: OpaquePointer

    /// Positions the cursor with `op` (`MDB_FIRST`, `MDB_NEXT`, `MDB_SET_RANGE`, …);
    /// returns the key and value there, or nil at the end.
    func get(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil)
        throws(LMDBError) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)?
    {
        var k = MDB_val()
        if let key { k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress)) }
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_cursor_get")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Reserves `size` bytes for `key` (`MDB_RESERVE` plus `flags`, e.g. `MDB_APPEND`) and
    /// returns the space in the map, to be filled before the next write in this transaction.
    func reserve(key: UnsafeRawBufferPointer, size: Int, flags: UInt32) throws(LMDBError)
        -> UnsafeMutableRawBufferPointer
    {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: size, mv_data: nil)
        try lmdbCheck(mdb_cursor_put(handle, &k, &v, flags | UInt32(MDB_RESERVE)), "mdb_cursor_put")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Deletes the entry at the cursor.
    func delete() throws(LMDBError) {
        try lmdbCheck(mdb_cursor_del(handle, 0), "mdb_cursor_del")
    }
}

/// Big-endian 8-byte keys, so LMDB's byte order is numeric order.
enum SequenceKey {
    /// Calls `body` with the 8-byte big-endian encoding of `value`.
    @inline(__always)
    static func with<T, E: Error>(_ value: UInt64, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        var be = value.bigEndian
        return try withUnsafeBytes(of: &be, body)
    }

    /// Decodes an 8-byte big-endian value, or nil if `bytes` is not 8 bytes long.
    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }
}
