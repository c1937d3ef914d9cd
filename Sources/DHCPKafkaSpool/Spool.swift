import CLMDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A durable, bounded ring of received frames: an LMDB environment in a directory.
///
/// One process writes (``open(at:options:)`` takes the directory's writer lock); any number of
/// processes read with short transactions (``openReadOnly(at:)``). Frames get sequence numbers
/// from 1 up that never repeat or go backwards, also across crashes and after everything was
/// removed. When the ring is full, the oldest frames are evicted (counted, and recorded as gaps).
///
/// Layout of the directory: `data.mdb` and `lock.mdb` (LMDB), `writer.lock` (flock + pid).
/// Databases: `frames`, `meta`, `dead`, `gaps` (see the source of `SpoolDatabases`).
///
/// Thread-safe: calls are serialised by an internal mutex, and every LMDB write transaction
/// begins and ends inside one call, on the calling thread.
public final class Spool: @unchecked Sendable {
    /// Bytes stored in front of each frame: the receive time, UInt64 big-endian nanoseconds.
    public static let frameHeaderSize = 8

    /// The spool directory.
    public let path: String
    /// True if opened with ``openReadOnly(at:)``: every write throws ``SpoolError/Code/readOnly``.
    public let isReadOnly: Bool
    /// The options of a writer; nil for a read-only spool.
    public let options: SpoolOptions?

    let env: LMDBEnvironment
    let dbs: SpoolDatabases
    let limits: RingLimits
    private let writerLock: SpoolLock?
    /// Serialises every call; guards the handles and the fields below (hence `@unchecked Sendable`).
    let mutex = Mutex(())
    /// Held by ``acknowledge(through:counterDeltas:)`` for its write transaction, which runs without
    /// ``mutex`` so that reads go on meanwhile; ``close()`` takes it before closing the environment.
    let commitGate = CommitGate()
    var closed = false
    private var lastSync: ContinuousClock.Instant = .now
    private var lastPageRelease: ContinuousClock.Instant = .now
    /// Frame bytes read or deleted since the mapped pages were last released.
    var bytesSinceRelease = 0
    private var lastReaderCheck: ContinuousClock.Instant = .now

    /// The largest frame (in bytes, without header) that fits in the ring; larger frames are
    /// refused with ``SpoolError/Code/frameTooLarge``. 0 for a read-only spool.
    public var maxFrameSize: Int { isReadOnly ? 0 : limits.capacityBytes - Self.frameHeaderSize }

    /// Frames and bytes evicted when this writer opened, because the spool held more than the
    /// (new, smaller) capacity allows; counted and recorded as gaps like every eviction.
    public internal(set) var evictedAtOpen = (frames: 0, bytes: 0)
    /// True for the ingest writer: it marks the spool open at open and closed at ``close()``.
    private let marksCleanClose: Bool

    private init(path: String, readOnly: Bool, options: SpoolOptions?, env: LMDBEnvironment,
                 dbs: SpoolDatabases, limits: RingLimits, lock: SpoolLock?, marksCleanClose: Bool = false) {
        self.marksCleanClose = marksCleanClose
        self.path = path
        self.isReadOnly = readOnly
        self.options = options
        self.env = env
        self.dbs = dbs
        self.limits = limits
        self.writerLock = lock
    }

    deinit {
        try? close()
    }

    /// Opens an existing spool as a second writer process, next to the ingest daemon.
    ///
    /// LMDB serialises write transactions between processes itself; roles only keep two daemons of
    /// the same kind apart. `.forwarder` takes `forwarder.lock` (one forwarder per spool);
    /// `.maintenance` (the CLI's `spool dead requeue|purge`) takes no lock. Capacity, frame limit and
    /// durability are the ones the ingest daemon recorded; the map size is the environment's own.
    public static func open(at path: String, role: SpoolRole) throws(SpoolError) -> Spool {
        try SpoolDirectory.checkForReading(path)
        try checkFileHoldsMeta(path)
        let lock = try role == .forwarder
            ? SpoolLock(directory: path, file: "forwarder.lock", holderName: "dhcpkafka forward") : nil
        do throws(SpoolTransactionError) {
            // Read what the ingest writer recorded, then open read-write with the same flags.
            let probe = try lmdb { () throws(LMDBError) in
                try LMDBEnvironment(path: path, mapSize: 0, maxDatabases: 8, flags: UInt32(MDB_RDONLY))
            }
            try refusing { () throws(SpoolError) in try checkFileCoversMap(probe, path: path) }
            let recorded = try lmdb { () throws(LMDBError) in
                try probe.readCommitting { txn throws(LMDBError) -> (UInt64, UInt64, [UInt8]) in
                    let dbs = try SpoolDatabases.open(in: txn, create: false)
                    return (try txn.metaValue(dbs, MetaKey.capacityBytes), try txn.metaValue(dbs, MetaKey.maxFrames),
                            try txn.metaBytes(dbs, MetaKey.durability) ?? [])
                }
            }
            probe.close()
            let durability = SpoolDurability(recorded: String(decoding: recorded.2, as: UTF8.self))
            let options = SpoolOptions(capacityBytes: Int(recorded.0), maxFrames: recorded.1 == 0 ? nil : Int(recorded.1),
                                       durability: durability)
            let env = try lmdb { () throws(LMDBError) in
                try LMDBEnvironment(path: path, mapSize: 0, maxDatabases: 8, flags: durability.lmdbFlags)
            }
            try refusing { () throws(SpoolError) in try checkFileCoversMap(env, path: path) }
            let dbs = try lmdb { () throws(LMDBError) in
                try env.write { txn throws(LMDBError) in try SpoolDatabases.open(in: txn, create: false) }
            }
            // In a read transaction: the walk must not hold up the ingest writer's commits.
            try env.read { txn throws(SpoolTransactionError) in try checkConsistency(txn, dbs, path: path, env: env) }
            env.releaseMappedPages()
            let limits = RingLimits(options, pageSize: try lmdb { () throws(LMDBError) in try env.pageSize() })
            return Spool(path: path, readOnly: false, options: options, env: env, dbs: dbs, limits: limits, lock: lock)
        } catch {
            lock?.release()
            if let lmdb = error.lmdbError, lmdb.code == .notFound {
                throw SpoolError(code: .noSpool, message: "\(path) holds no spool yet; start `dhcpkafka run` on it first",
                                 cause: lmdb)
            }
            throw mapError(error, path: path, doing: "opening as \(role)")
        }
    }

    /// Opens the spool at `path` for writing, creating the directory (if its parent exists) and
    /// the environment (with a new identity) if needed.
    ///
    /// Throws ``SpoolError/Code/heldByAnotherWriter`` (naming the holder's pid) if another
    /// writer has it open, ``SpoolError/Code/directoryMissing``, ``SpoolError/Code/notADirectory``
    /// or ``SpoolError/Code/notWritable`` for a bad path. Clears stale reader slots.
    public static func open(at path: String, options: SpoolOptions = SpoolOptions()) throws(SpoolError) -> Spool {
        try SpoolDirectory.prepareForWriting(path)
        let adopting = try SpoolDirectory.checkAdoptable(path)
        try checkFileHoldsMeta(path)
        let lock = try SpoolLock(directory: path)
        let flags = options.durability.lmdbFlags
        do throws(SpoolTransactionError) {
            // A spool reopened with a smaller capacity keeps its larger file: map all of it plus room for
            // the first eviction transactions (their copied branch pages and free lists), after which the
            // pages they free are reused; otherwise the evictions below would fail with a full map.
            let existing = SpoolDirectory.dataFileSize(path)
            let mapSize = existing + Self.shrinkHeadroom <= options.mapSize ? options.mapSize
                : (existing + Self.shrinkHeadroom + (1 << 20) - 1) & ~((1 << 20) - 1)
            let env = try lmdb { () throws(LMDBError) in
                try LMDBEnvironment(path: path, mapSize: mapSize, maxDatabases: 8, flags: flags)
            }
            try refusing { () throws(SpoolError) in try checkFileCoversMap(env, path: path) }
            _ = try lmdb { () throws(LMDBError) in try env.readerCheck() }
            let dbs = try env.write { txn throws(SpoolTransactionError) in
                if adopting { try requireSpoolDatabase(txn, path: path) }
                let dbs = try lmdb { () throws(LMDBError) in try SpoolDatabases.open(in: txn, create: true) }
                try initializeMeta(txn, dbs, options: options, path: path, env: env)
                return dbs
            }
            env.releaseMappedPages()  // the consistency walk mapped every frame page in
            try lmdb { () throws(LMDBError) in
                if options.durability != .sync { try env.sync() }  // the "open" mark must survive an OS crash
            }
            let limits = RingLimits(options, pageSize: try lmdb { () throws(LMDBError) in try env.pageSize() })
            let evicted = try lmdb { () throws(LMDBError) in try shrink(env, dbs, limits) }
            let spool = Spool(path: path, readOnly: false, options: options, env: env, dbs: dbs,
                              limits: limits, lock: lock, marksCleanClose: true)
            spool.evictedAtOpen = evicted
            return spool
        } catch {
            lock.release()
            throw mapError(error, path: path, doing: "opening for writing")
        }
    }

    /// Opens an existing spool for reading only, without the writer lock, so it works while a
    /// writer runs. Use only short calls (each is one read transaction); clears stale readers.
    public static func openReadOnly(at path: String) throws(SpoolError) -> Spool {
        try SpoolDirectory.checkForReading(path)
        try checkFileHoldsMeta(path)
        do throws(SpoolTransactionError) {
            let env = try lmdb { () throws(LMDBError) in
                try LMDBEnvironment(path: path, mapSize: 0, maxDatabases: 8, flags: UInt32(MDB_RDONLY))
            }
            try refusing { () throws(SpoolError) in try checkFileCoversMap(env, path: path) }
            _ = try? env.readerCheck()
            let dbs = try lmdb { () throws(LMDBError) in
                try env.readCommitting { txn throws(LMDBError) in try SpoolDatabases.open(in: txn, create: false) }
            }
            return Spool(path: path, readOnly: true, options: nil, env: env, dbs: dbs, limits: .readOnly, lock: nil)
        } catch {
            if let lmdb = error.lmdbError, lmdb.code == .notFound {
                throw SpoolError(code: .noSpool, message: "\(path) holds an LMDB environment but not a spool "
                    + "(databases missing); check the --spool directory", cause: lmdb)
            }
            throw mapError(error, path: path, doing: "opening read-only")
        }
    }

    /// Maps an error thrown below the public API to a ``SpoolError`` (once, here): each error
    /// type says how (``SpoolFailure``).
    static func mapError<E: SpoolFailure>(_ error: E, path: String, doing what: String) -> SpoolError {
        error.spoolError(path: path, doing: what)
    }

    /// Runs `body` under the mutex on an open spool, mapping its errors.
    func locked<T, E: SpoolFailure>(_ what: @autoclosure () -> String, write: Bool = false,
                                    _ body: () throws(E) -> T) throws(SpoolError) -> T {
        try mutex.withLock { _ throws(SpoolError) -> T in
            guard !closed else {
                throw SpoolError(code: .closed, message: "spool at \(path) is closed")
            }
            if write && isReadOnly {
                throw SpoolError(code: .readOnly, message: "spool at \(path) was opened read-only; "
                    + "\(what()) needs the writer (dhcpkafka run)")
            }
            do throws(E) { return try body() } catch { throw error.spoolError(path: path, doing: what()) }
        }
    }

    /// Flushes to disk (`mdb_env_sync(env, 1)`). Needed only for `.periodic` and `.noMetaSync`.
    public func sync() throws(SpoolError) {
        try locked("syncing", write: true) { () throws(LMDBError) in
            try env.sync()
            lastSync = .now
        }
    }

    /// For `.periodic`: syncs if the interval passed since the last sync. Call it from a timer
    /// so frames accepted just before appends pause reach the disk within the interval.
    public func syncIfDue() throws(SpoolError) {
        try locked("syncing", write: true) { () throws(LMDBError) in try syncIfDueLocked() }
    }

    /// Pages are also released after this many frame bytes were read or deleted, so a fast
    /// forwarder does not map in tens of megabytes between two releases.
    static let releaseAfterBytes = 4 << 20

    /// Housekeeping after reads (any handle, so long-running readers such as `spool tail -f` or an
    /// export of a large spool stay flat too) and the writer's deletes: every 250 ms (or every
    /// ``releaseAfterBytes`` read or deleted) drops mapped pages so resident memory stays flat
    /// however large the spool grows, and every 30 s clears reader slots of dead processes.
    func maintainIfDueLocked() {
        let now = ContinuousClock.now
        if now - lastPageRelease >= .milliseconds(250) || bytesSinceRelease >= Self.releaseAfterBytes {
            env.releaseMappedPages()
            lastPageRelease = now
            bytesSinceRelease = 0
        }
        if now - lastReaderCheck >= .seconds(30) {
            _ = try? env.readerCheck()
            lastReaderCheck = now
        }
    }

    func syncIfDueLocked() throws(LMDBError) {
        guard case .periodic(let interval) = options?.durability else { return }
        if ContinuousClock.now - lastSync >= interval {
            try env.sync()
            lastSync = .now
        }
    }

    /// Clears reader slots left by dead processes (`mdb_reader_check`); returns how many.
    /// The writer should call this periodically; a dead reader's slot pins old pages.
    @discardableResult
    public func clearStaleReaders() throws(SpoolError) -> Int {
        try locked("checking readers") { () throws(LMDBError) in try env.readerCheck() }
    }

    /// Syncs (unless `.sync`), closes the environment and releases the writer lock.
    /// Further calls throw ``SpoolError/Code/closed``. Calling it twice is harmless.
    public func close() throws(SpoolError) {
        try mutex.withLock { _ throws(SpoolError) in
            guard !closed else { return }
            closed = true
            defer {
                commitGate.withLock { env.close() }
                writerLock?.release()
            }
            do throws(LMDBError) {
                if marksCleanClose {
                    try env.write { txn throws(LMDBError) in try txn.setMetaValue(dbs, MetaKey.openState, MetaKey.openStateClosed) }
                }
                if !isReadOnly, options?.durability != .sync { try env.sync() }
            } catch { throw Self.mapError(error, path: path, doing: "closing") }
        }
    }
}

extension Spool {
    /// The LMDB library this process runs with, as LMDB names itself (e.g. "LMDB 0.9.24: (July 24, 2019)").
    public static var libraryVersion: String { String(cString: mdb_version(nil, nil, nil)) }
}
