import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// What an operator does with a spool that fails the checks at open.
enum DamagedSpoolAdvice {
    static func text(_ path: String) -> String {
        "Stop the daemon; `dhcpkafka spool check --spool \(path)` lists the damage and `dhcpkafka spool salvage "
            + "--spool \(path) --into NEWDIR` copies every readable frame into a new spool; then run the daemon on "
            + "NEWDIR (see docs/runbook.md, \"A damaged spool\")"
    }
}

extension Spool {
    /// Refuses a `data.mdb` shorter than the pages its meta page says are in use: reading those
    /// pages through the map would kill the process with SIGBUS (a truncated copy, a full disk
    /// during a copy). Runs right after `mdb_env_open`, before any transaction touches a page.
    static func checkFileCoversMap(_ env: LMDBEnvironment, path: String) throws(SpoolError) {
        let info: MDB_envinfo
        let pageSize: Int
        do {
            info = try env.info()
            pageSize = try env.pageSize()
        } catch {
            throw mapError(error, path: path, doing: "reading the environment information")
        }
        let needed = (Int(info.me_last_pgno) + 1) * pageSize
        let size = SpoolDirectory.dataFileSize(path)
        guard size >= needed else {
            throw SpoolError(code: .corrupt, message: "spool at \(path) is truncated: data.mdb has \(size) bytes but its "
                + "meta page says \(needed) bytes are in use (was it copied while written, or cut short by a full "
                + "disk?). Restore the complete file, or move the directory aside and start on an empty one; "
                + "the frames beyond the end of the file are gone")
        }
    }

    /// Refuses a `data.mdb` too short to hold LMDB's two meta pages, before LMDB maps it.
    static func checkFileHoldsMeta(_ path: String) throws(SpoolError) {
        let size = SpoolDirectory.dataFileSize(path)
        let minimum = 2 * max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        if size > 0 && size < minimum {
            throw SpoolError(code: .corrupt, message: "spool at \(path) is truncated: data.mdb has \(size) bytes, "
                + "less than LMDB's two meta pages (\(minimum) bytes); move the directory aside and start on an empty one")
        }
    }

    /// Keys walked by ``checkConsistency(_:_:path:env:)`` between two releases of the mapped pages
    /// (about 4 MB of ~480-byte frames).
    static let consistencyReleaseKeys = 8_192

    /// Consistency checks of the bookkeeping the ring relies on, run when a writer opens: the acked
    /// watermark is below the next sequence, every stored frame key is 8 bytes, increasing and lies
    /// strictly between the watermark and the next sequence (a walk over the keys: one pass over
    /// the frames' pages), and no gap or dead letter lies at or beyond the next sequence. A spool that fails would make the forwarder publish a huge bogus gap
    /// and acknowledge sequences never assigned, stopping forwarding for good.
    ///
    /// The walk reads every leaf page of the frames through the map; `env`'s mapped pages are
    /// released every ``consistencyReleaseKeys`` keys, so a large spool does not become resident
    /// memory of the opening process (1.4 GB for a 1.4 GB backlog otherwise).
    static func checkConsistency(_ txn: LMDBTransaction, _ dbs: SpoolDatabases, path: String, env: LMDBEnvironment)
        throws(SpoolTransactionError)
    {
        let next = max(try lmdb { () throws(LMDBError) in try txn.metaValue(dbs, MetaKey.nextSequence) }, 1)
        let acked = try lmdb { () throws(LMDBError) in try txn.metaValue(dbs, MetaKey.acked) }
        func refuse(_ what: String) -> SpoolTransactionError {
            .refused(SpoolError(code: .corrupt, message: "spool at \(path) is inconsistent: \(what) (next sequence \(next), "
                + "acked watermark \(acked)). Nothing was changed. " + DamagedSpoolAdvice.text(path)))
        }
        if acked >= next {
            throw refuse("the acked watermark is not below the next sequence")
        }
        // Every key, in cursor order (LMDB walks its pages in order and trusts the keys it finds, so a
        // damaged key sits in the middle of the walk, out of order): 8 bytes, increasing, assigned.
        try txn.withCursor(dbs.frames) { cursor throws(SpoolTransactionError) in
            var previous = acked
            var walked = 0
            var entry = try lmdb { () throws(LMDBError) in try cursor.get(MDB_FIRST) }
            while let (key, _) = entry {
                walked += 1
                if walked % consistencyReleaseKeys == 0 { env.releaseMappedPages() }
                guard let sequence = SequenceKey.decode(key) else {
                    throw refuse("a frame key after sequence \(previous) is \(key.count) bytes, not 8 (a damaged frame key)")
                }
                if sequence >= next {
                    throw refuse("a stored frame after sequence \(previous) has sequence \(sequence), which was never "
                        + "assigned (a damaged frame key)")
                }
                if sequence <= previous {
                    throw refuse(previous == acked && sequence <= acked
                        ? "a stored frame has sequence \(sequence), at or below the acked watermark (a damaged frame key)"
                        : "frame \(sequence) follows frame \(previous): the keys are out of order (a damaged frame key)")
                }
                previous = sequence
                entry = try lmdb { () throws(LMDBError) in try cursor.get(MDB_NEXT) }
            }
        }
        for (name, dbi) in [("gap record", dbs.gaps), ("dead letter", dbs.dead)] {
            let lastKey: [UInt8]? = try lmdb { () throws(LMDBError) in
                try txn.withCursor(dbi) { cursor throws(LMDBError) in try cursor.get(MDB_LAST).map { Array($0.key) } }
            }
            guard let lastKey else { continue }
            guard let sequence = lastKey.withUnsafeBytes({ SequenceKey.decode($0) }) else {
                throw refuse("a \(name) key is \(lastKey.count) bytes, not 8")
            }
            if sequence >= next {
                throw refuse("a \(name) starts at sequence \(sequence), which was never assigned")
            }
        }
    }
}
