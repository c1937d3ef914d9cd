import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// Owns one `MDB_env` handle: opened in `init`, closed by ``close()`` or, as a safety net, `deinit`.
///
/// Transactions are only handed out inside synchronous closures, so a write transaction
/// never leaves the thread that began it. Not thread-safe by itself: ``Spool`` serialises access.
final class LMDBEnvironment {
    /// The `MDB_env *`, or nil once closed.
    private(set) var handle: OpaquePointer?
    /// The directory holding `data.mdb` and `lock.mdb`.
    let path: String

    /// Opens the environment in the existing directory `path`.
    ///
    /// - Parameters:
    ///   - mapSize: the map size in bytes; the data file never grows beyond it. Ignored (0) for
    ///     read-only opens, which use the size recorded by the writer.
    ///   - flags: `MDB_*` environment flags (`MDB_NOTLS` is always added).
    init(path: String, mapSize: Int, maxDatabases: UInt32, flags: UInt32) throws(LMDBError) {
        self.path = path
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: .invalid, function: "mdb_env_create") }
        do {
            if mapSize > 0 {
                try lmdbCheck(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            }
            try lmdbCheck(mdb_env_set_maxdbs(env, maxDatabases), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(env, 126), "mdb_env_set_maxreaders")
            let all = flags | UInt32(MDB_NOTLS)
            try lmdbCheck(mdb_env_open(env, path, all, 0o640), "mdb_env_open")
        } catch {
            // LMDB requires mdb_env_close after a failed mdb_env_open.
            mdb_env_close(env)
            throw error
        }
        self.handle = env
    }

    deinit { close() }

    /// Closes the environment. All transactions must have ended. Safe to call twice.
    func close() {
        if let handle {
            mdb_env_close(handle)
            self.handle = nil
        }
    }

    /// The handle for a call to `function`; throws if the environment was closed.
    private func open(for function: String) throws(LMDBError) -> OpaquePointer {
        guard let handle else { throw LMDBError(code: .invalid, function: function, detail: "the environment is closed") }
        return handle
    }

    /// Runs `body` in a read-only transaction, which is aborted (released) afterwards. Throws what
    /// `body` throws, or LMDB's failure to begin the transaction wrapped in the same type.
    func read<T, E: LMDBFailure>(_ body: (LMDBTransaction) throws(E) -> T) throws(E) -> T {
        let txn = try begin(flags: UInt32(MDB_RDONLY), "read", as: E.self)
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(handle: txn))
    }

    /// Runs `body` in a read-only transaction that is committed, keeping database handles opened in it.
    func readCommitting<T, E: LMDBFailure>(_ body: (LMDBTransaction) throws(E) -> T) throws(E) -> T {
        try committing(flags: UInt32(MDB_RDONLY), "read", body)
    }

    /// Runs `body` in a write transaction and commits it; aborts it if `body` throws.
    ///
    /// The result is returned only after `mdb_txn_commit` returned success.
    func write<T, E: LMDBFailure>(_ body: (LMDBTransaction) throws(E) -> T) throws(E) -> T {
        try committing(flags: 0, "write", body)
    }

    /// Begins a transaction with `flags`, runs `body` and commits; aborts if `body` throws.
    /// `kind` names the transaction in errors (`mdb_txn_begin(write)`).
    private func committing<T, E: LMDBFailure>(
        flags: UInt32, _ kind: String, _ body: (LMDBTransaction) throws(E) -> T
    ) throws(E) -> T {
        let txn = try begin(flags: flags, kind, as: E.self)
        let result: T
        do { result = try body(LMDBTransaction(handle: txn)) } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // mdb_txn_commit frees the transaction whether it succeeds or not.
        do { try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit(\(kind))") } catch { throw E(lmdb: error) }
        return result
    }

    /// Begins a transaction with `flags`; LMDB's failure is thrown as `E`.
    private func begin<E: LMDBFailure>(flags: UInt32, _ kind: String, as _: E.Type) throws(E) -> OpaquePointer {
        do throws(LMDBError) {
            let env = try open(for: "mdb_txn_begin")
            var txn: OpaquePointer?
            try lmdbCheck(mdb_txn_begin(env, nil, flags, &txn), "mdb_txn_begin(\(kind))")
            guard let txn else { throw LMDBError(code: .badTransaction, function: "mdb_txn_begin") }
            return txn
        } catch { throw E(lmdb: error) }
    }

    /// Flushes the data and meta pages to disk (`mdb_env_sync(env, 1)`).
    func sync() throws(LMDBError) {
        try lmdbCheck(mdb_env_sync(try open(for: "mdb_env_sync"), 1), "mdb_env_sync")
    }

    /// Clears reader slots of dead processes (`mdb_reader_check`); returns how many were cleared.
    func readerCheck() throws(LMDBError) -> Int {
        var dead: Int32 = 0
        try lmdbCheck(mdb_reader_check(try open(for: "mdb_reader_check"), &dead), "mdb_reader_check")
        return Int(dead)
    }

    /// The lines of `mdb_reader_list`: pid, thread and transaction id of every reader slot in use.
    func readerList() throws(LMDBError) -> [String] {
        final class Lines { var lines: [String] = [] }
        let box = Lines()
        let env = try open(for: "mdb_reader_list")
        _ = withExtendedLifetime(box) {
            mdb_reader_list(env, { message, context in
                guard let message, let context else { return 0 }
                let box = Unmanaged<Lines>.fromOpaque(context).takeUnretainedValue()
                box.lines.append(String(cString: message).trimmingSuffixNewline())
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        return box.lines
    }

    /// Drops this process's page-table entries for the map of `data.mdb` (`madvise(MADV_DONTNEED)`).
    ///
    /// Without `MDB_WRITEMAP` the map is a read-only shared file mapping: LMDB reads every new leaf
    /// page through it once, and the kernel maps neighbouring cached pages too, so resident memory
    /// would grow with `data.mdb`. The pages stay in the page cache; a later access simply faults
    /// them in again, so this is safe at any time, also while read transactions are open.
    /// (`mdb_env_info` reports the map address only with `MDB_FIXEDMAP`, so the mapping is found
    /// in `/proc/self/maps`.)
    func releaseMappedPages() {
        guard let dataFile = realpath(path + "/data.mdb", nil) else { return }
        let target = String(cString: dataFile)
        free(dataFile)
        guard let maps = ProcFile.read("/proc/self/maps") else { return }
        for line in maps.split(separator: "\n") where line.hasSuffix(" " + target) {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }

    /// `mdb_env_info`: map size and last used page.
    func info() throws(LMDBError) -> MDB_envinfo {
        var info = MDB_envinfo()
        try lmdbCheck(mdb_env_info(try open(for: "mdb_env_info"), &info), "mdb_env_info")
        return info
    }

    /// The page size of the environment.
    func pageSize() throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_env_stat(try open(for: "mdb_env_stat"), &stat), "mdb_env_stat")
        return Int(stat.ms_psize)
    }
}

extension String {
    fileprivate func trimmingSuffixNewline() -> String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy
    }
}
