extension Spool {
    /// Appends a batch of frames in ONE write transaction and returns the sequences assigned
    /// once the commit returned; only then are the frames accepted (durable per the durability mode).
    ///
    /// Before a frame would pass the capacity (bytes or frames), the oldest frames are evicted in
    /// the same transaction, counted and recorded as gaps; appends never fail because the ring is
    /// full. `counterDeltas` are added to persisted counters (``SpoolStats/counters``) in the same
    /// commit, e.g. `["rejected.truncated": 3]`; they are applied also for an empty batch.
    ///
    /// If LMDB's map fills anyway (e.g. a reader pins old pages), the transaction is aborted,
    /// stale readers are cleared, more frames are evicted in a separate transaction and the batch
    /// is retried. Nothing is lost silently: when it still cannot commit, this throws.
    ///
    /// - Throws: ``SpoolError/Code/frameTooLarge`` (nothing written) if a frame is longer than
    ///   ``maxFrameSize``; ``SpoolError/Code/noSpace`` when the file system is full;
    ///   ``SpoolError/Code/spaceExhausted`` when readers pin so many pages that eviction cannot help.
    public func append(_ batch: SpoolBatch, counterDeltas: [String: UInt64] = [:]) throws(SpoolError) -> AppendResult {
        if isReadOnly {
            throw SpoolError(code: .readOnly, message: "spool at \(path) was opened read-only; appending "
                + "needs the writer (dhcpkafka run)")
        }
        for index in 0..<batch.count where batch.range(of: index).count > maxFrameSize {
            throw SpoolError(code: .frameTooLarge,
                message: "frame \(index) of the batch has \(batch.range(of: index).count) bytes, more than "
                    + "the whole spool capacity allows (\(maxFrameSize)); nothing was written. Drop it "
                    + "and count it, or raise the spool capacity")
        }
        for name in counterDeltas.keys where name.utf8.count > 400 || name.isEmpty {
            throw SpoolError(code: .invalidArgument, message: "counter name must be 1 to 400 bytes: \(name.prefix(40))…")
        }
        return try locked("appending \(batch.count) frames", write: true) { () throws(SpoolTransactionError) in
            var evictedBefore = (frames: 0, bytes: 0)
            for _ in 0..<8 {
                do throws(LMDBError) {
                    var result = try env.write { txn throws(LMDBError) in try appendLocked(batch, counterDeltas, txn: txn) }
                    result.evictedFrames += evictedBefore.frames
                    result.evictedBytes += evictedBefore.bytes
                    try syncIfDueLocked()
                    maintainIfDueLocked()
                    return result
                } catch {
                    // (A plain catch, then the check: `catch … where` with typed throws crashes Swift 6.3.)
                    guard error.code == .mapFull else { throw .lmdb(error) }
                    // Map full: make room in a separate, small transaction and retry the batch.
                    _ = try? env.readerCheck()
                    let freed = try evictForRoom(max(batch.bytes.count * 2, limits.capacityBytes / 8))
                    evictedBefore.frames += freed.frames
                    evictedBefore.bytes += freed.bytes
                }
            }
            throw .refused(spaceExhausted(LMDBError(code: .mapFull, function: "mdb_txn_commit")))
        }
    }

    /// Evicts at least `want` bytes in a transaction of its own, after a batch found the map full.
    private func evictForRoom(_ want: Int) throws(SpoolTransactionError) -> (frames: Int, bytes: Int) {
        do {
            return try env.write { txn throws(LMDBError) in
                var ring = try RingTransaction(txn: txn, dbs: dbs, limits: limits)
                try ring.evict(bytes: want)
                try ring.finish()
                return ring.evictedNow
            }
        } catch {
            throw error.code == .mapFull ? .refused(spaceExhausted(error)) : .lmdb(error)
        }
    }

    private func appendLocked(_ batch: SpoolBatch, _ counterDeltas: [String: UInt64],
                              txn: LMDBTransaction) throws(LMDBError) -> AppendResult {
        var ring = try RingTransaction(txn: txn, dbs: dbs, limits: limits)
        let first = ring.nextSequence
        try batch.bytes.withBytes { all throws(LMDBError) in
            for index in 0..<batch.count {
                let range = batch.range(of: index)
                let frame = UnsafeRawBufferPointer(rebasing: all[range])
                _ = try ring.append(frame, receiveTime: batch.receiveTimes[index])
            }
        }
        try ring.enforcePageBudget()
        try ring.finish(counterDeltas: counterDeltas)
        return AppendResult(firstSequence: first, lastSequence: ring.nextSequence &- 1,
                            evictedFrames: ring.evictedNow.frames, evictedBytes: ring.evictedNow.bytes)
    }

    private func spaceExhausted(_ cause: LMDBError) -> SpoolError {
        let readers = (try? env.readerList()) ?? []
        let active = readers.filter { $0.drop { $0 == " " }.first?.isNumber == true }
        guard !active.isEmpty else {
            return SpoolError(code: .spaceExhausted,
                message: "spool at \(path) cannot free space: evicting old frames did not help and no reader holds "
                    + "an old snapshot, so LMDB's map is too small for the pages in use; the batch was not written. "
                    + "Restart the daemon (at start it maps the whole data.mdb and evicts down to --capacity) and "
                    + "report this", cause: cause)
        }
        return SpoolError(code: .spaceExhausted,
            message: "spool at \(path) cannot free space: evicting old frames did not help because a "
                + "reader holds an old snapshot; readers (pid thread txnid): \(active.joined(separator: ", ")). "
                + "End that reader (e.g. a stuck 'spool list'); the batch was not written", cause: cause)
    }
}
