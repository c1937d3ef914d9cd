import CLMDB

extension Spool {
    /// Frames evicted per transaction when a writer opens a spool that holds more than its
    /// capacity: small transactions reuse the pages the previous ones freed, so shrinking never
    /// needs more map than the file already has.
    static let shrinkFramesPerTransaction = 512

    /// Map beyond an existing `data.mdb` larger than the new capacity's map size, for the first
    /// eviction transactions at open; the file grows by at most this much.
    static let shrinkHeadroom = 8 << 20

    /// Evicts the oldest frames (counted, recorded as gaps) until the ring fits `limits`, in small
    /// transactions. Needed when a spool is reopened with a smaller capacity or frame limit: otherwise
    /// the first append would have to evict everything above the new capacity in one transaction,
    /// which a map sized for the new capacity cannot hold, and ingest would stall.
    static func shrink(_ env: LMDBEnvironment, _ dbs: SpoolDatabases,
                       _ limits: RingLimits) throws(LMDBError) -> (frames: Int, bytes: Int) {
        var total = (frames: 0, bytes: 0)
        while true {
            let evicted = try env.write { txn throws(LMDBError) in
                var ring = try RingTransaction(txn: txn, dbs: dbs, limits: limits)
                var count = 0
                while count < shrinkFramesPerTransaction, ring.storedBytes > limits.capacityBytes
                    || (limits.maxFrames.map { ring.storedFrames > $0 } ?? false)
                {
                    guard try ring.evictOldest() else { break }
                    count += 1
                }
                if count < shrinkFramesPerTransaction { try ring.enforcePageBudget() }
                try ring.finish()
                return ring.evictedNow
            }
            total.frames += evicted.frames
            total.bytes += evicted.bytes
            if evicted.frames == 0 { return total }
        }
    }

    /// Bumps the spool's epoch when the previous ingest writer did not close the spool, ran with a
    /// durability mode in which an OS crash can roll back the newest commits (`noMetaSync`,
    /// `periodic`), and did so in another boot than this one (`bootID`; or either boot id is
    /// unknown): sequence numbers after the surviving tail may then be handed out again to new,
    /// different frames. The epoch travels with every record (header `dhcpkafka-epoch`), so a
    /// consumer that deduplicates on spool identity + epoch + sequence never drops them.
    ///
    /// A writer of this boot that stopped without closing was a process crash (SIGKILL, a trap):
    /// its commits are all in the page cache, nothing can have been rolled back, and the epoch
    /// stays. Bumping it then was not harmless: a forwarder started before the bump labels every
    /// frame with its own start epoch, one started after it with the new one, and the startup scan
    /// takes a record of an older epoch for another frame, so what a killed forwarder left in Kafka
    /// beyond the watermark was produced again (duplicates under a second epoch that consumers
    /// could not even recognise; found by `CrashLoopTests`).
    static func bumpEpochIfTailMayBeLost(_ txn: LMDBTransaction, _ dbs: SpoolDatabases, bootID: String?) throws(LMDBError) {
        let state = try txn.metaValue(dbs, MetaKey.openState)
        let recorded = SpoolDurability(recorded: String(decoding: try txn.metaBytes(dbs, MetaKey.durability) ?? [],
                                                        as: UTF8.self))
        guard state == MetaKey.openStateRunning, recorded != .sync else { return }
        if let bootID, !bootID.isEmpty, try txn.metaBytes(dbs, MetaKey.bootID) == Array(bootID.utf8) { return }
        try txn.setMetaValue(dbs, MetaKey.epoch, try txn.metaValue(dbs, MetaKey.epoch) &+ 1)
    }

    /// Refuses an LMDB database that another program made: a spool's has a `meta` database with
    /// a format. Runs in the opening write transaction, before anything is written.
    static func requireSpoolDatabase(_ txn: LMDBTransaction, path: String) throws(SpoolTransactionError) {
        let refusal = SpoolTransactionError.refused(SpoolError(code: .notASpool,
            message: "\(path) holds an LMDB database that is not a dhcpkafka spool; give an empty or new directory, "
                + "or an existing spool, as --spool"))
        let meta: MDB_dbi
        do { meta = try txn.openDatabase("meta", create: false) } catch {
            // An environment with nothing in it (a first start that stopped before its first commit) is new.
            var main: MDB_dbi = 0
            var stat = MDB_stat()
            if mdb_dbi_open(txn.handle, nil, 0, &main) == 0, mdb_stat(txn.handle, main, &stat) == 0, stat.ms_entries == 0 { return }
            throw refusal
        }
        let dbs = SpoolDatabases(frames: meta, meta: meta, dead: meta, gaps: meta)
        guard (try? txn.metaValue(dbs, MetaKey.format)) ?? 0 != 0 else { throw refusal }
    }

    static func initializeMeta(_ txn: LMDBTransaction, _ dbs: SpoolDatabases,
                                       options: SpoolOptions, path: String, env: LMDBEnvironment)
        throws(SpoolTransactionError)
    {
        let format = try lmdb { () throws(LMDBError) in try txn.metaValue(dbs, MetaKey.format) }
        if format == 0 {
            try lmdb { () throws(LMDBError) in
                try txn.setMetaValue(dbs, MetaKey.format, MetaKey.currentFormat)
                try txn.setMetaBytes(dbs, MetaKey.identity, SpoolIdentity.make())
                try txn.setMetaValue(dbs, MetaKey.nextSequence, 1)
            }
        } else if format != MetaKey.currentFormat {
            throw .refused(SpoolError(code: .corrupt, message: "spool at \(path) has format \(format), this "
                + "dhcpkafka reads format \(MetaKey.currentFormat); use a matching version or a new directory"))
        } else {
            try checkConsistency(txn, dbs, path: path, env: env)
            try lmdb { () throws(LMDBError) in try bumpEpochIfTailMayBeLost(txn, dbs, bootID: options.bootID) }
        }
        try lmdb { () throws(LMDBError) in
            try txn.setMetaValue(dbs, MetaKey.openState, MetaKey.openStateRunning)
            try txn.setMetaBytes(dbs, MetaKey.bootID, Array((options.bootID ?? "").utf8))
            try txn.setMetaValue(dbs, MetaKey.capacityBytes, UInt64(options.capacityBytes))
            try txn.setMetaValue(dbs, MetaKey.maxFrames, UInt64(options.maxFrames ?? 0))
            try txn.setMetaBytes(dbs, MetaKey.durability, Array(options.durability.description.utf8))
        }
    }
}
