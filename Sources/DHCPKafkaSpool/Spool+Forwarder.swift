import CLMDB

extension Spool {
    /// Reads stored frames in order, starting at the first sequence ≥ `sequence`, up to
    /// `maxFrames` frames and `maxBytes` frame bytes (but always at least one frame if any).
    public func read(from sequence: UInt64, maxFrames: Int, maxBytes: Int = .max) throws(SpoolError) -> [StoredFrame] {
        try locked("reading frames") { () throws(LMDBError) in
            defer { maintainIfDueLocked() }
            return try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
                    var frames: [StoredFrame] = []
                    var bytes = 0
                    var entry = try SequenceKey.with(sequence) { key throws(LMDBError) in try cursor.get(MDB_SET_RANGE, key: key) }
                    while let (key, value) = entry, frames.count < maxFrames {
                        guard let seq = SequenceKey.decode(key), value.count >= Self.frameHeaderSize else {
                            throw LMDBError.undecodable("frames record", from: "mdb_cursor_get")
                        }
                        let size = value.count - Self.frameHeaderSize
                        if !frames.isEmpty && bytes + size > maxBytes { break }
                        frames.append(StoredFrame(
                            sequence: seq, receiveTime: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)),
                            bytes: Array(value.dropFirst(Self.frameHeaderSize))))
                        bytes += size
                        bytesSinceRelease += value.count
                        entry = try cursor.get(MDB_NEXT)
                    }
                    return frames
                }
            }
        }
    }

    /// Like ``read(from:maxFrames:maxBytes:)`` without copying: calls `body` with each frame's
    /// sequence and bytes (valid only during the call: they point into LMDB's map) inside one read
    /// transaction, until `body` returns false or the limits are reached. Returns how many frames
    /// `body` was called with. `body` runs under the spool's lock: it must not call the spool.
    @discardableResult
    public func withFrames(
        from sequence: UInt64, maxFrames: Int, maxBytes: Int = .max,
        _ body: (UInt64, UnsafeRawBufferPointer) -> Bool
    ) throws(SpoolError) -> Int {
        try locked("reading frames") { () throws(LMDBError) in
            defer { maintainIfDueLocked() }
            return try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
                    var count = 0
                    var bytes = 0
                    var entry = try SequenceKey.with(sequence) { key throws(LMDBError) in try cursor.get(MDB_SET_RANGE, key: key) }
                    while let (key, value) = entry, count < maxFrames {
                        guard let seq = SequenceKey.decode(key), value.count >= Self.frameHeaderSize else {
                            throw LMDBError.undecodable("frames record", from: "mdb_cursor_get")
                        }
                        let size = value.count - Self.frameHeaderSize
                        if count > 0 && bytes + size > maxBytes { break }
                        count += 1
                        bytes += size
                        bytesSinceRelease += value.count
                        guard body(seq, UnsafeRawBufferPointer(rebasing: value[Self.frameHeaderSize...])) else { break }
                        entry = try cursor.get(MDB_NEXT)
                    }
                    return count
                }
            }
        }
    }

    /// Deletes every stored frame with a sequence ≤ `sequence` (the forwarded prefix) and raises
    /// ``ackedWatermark()`` to `sequence`, in one transaction. Returns how many frames were removed.
    ///
    /// - Throws: ``SpoolError/Code/invalidArgument`` (nothing changed) if `sequence` was never assigned
    ///   (≥ the next sequence): acknowledging it would hide every frame appended later.
    @discardableResult
    public func removeThrough(_ sequence: UInt64, counterDeltas: [String: UInt64] = [:]) throws(SpoolError) -> Int {
        try locked("removing frames through \(sequence)", write: true) { () throws(SpoolTransactionError) in
            let (removed, bytes) = try env.write { txn throws(SpoolTransactionError) in
                try deleteAcknowledged(through: sequence, counterDeltas, txn)
            }
            bytesSinceRelease += bytes
            maintainIfDueLocked()
            return removed
        }
    }

    /// The body of ``removeThrough(_:counterDeltas:)`` and ``acknowledge(through:counterDeltas:)``:
    /// deletes the frames and cleared gaps ≤ `sequence`, raises the watermark, adds the counters.
    /// Returns the frames removed and their stored bytes.
    func deleteAcknowledged(
        through sequence: UInt64, _ counterDeltas: [String: UInt64], _ txn: LMDBTransaction
    ) throws(SpoolTransactionError) -> (removed: Int, bytes: Int) {
        let next = max(try lmdb { () throws(LMDBError) in try txn.metaValue(dbs, MetaKey.nextSequence) }, 1)
        guard sequence < next else {
            throw .refused(SpoolError(code: .invalidArgument, message: "cannot acknowledge through sequence \(sequence) in "
                + "the spool at \(path): the newest assigned sequence is \(next - 1), so frames appended later "
                + "would never be forwarded; nothing was changed. This is a bug or a damaged spool: "
                + DamagedSpoolAdvice.text(path)))
        }
        return try lmdb { () throws(LMDBError) in try deleteThrough(sequence, counterDeltas, txn) }
    }

    /// The deletes of ``deleteAcknowledged(through:_:_:)`` once the watermark was checked.
    private func deleteThrough(
        _ sequence: UInt64, _ counterDeltas: [String: UInt64], _ txn: LMDBTransaction
    ) throws(LMDBError) -> (removed: Int, bytes: Int) {
        var stored = Int(try txn.metaValue(dbs, MetaKey.storedBytes))
        var removed = 0
        var bytes = 0
        try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
            var entry = try cursor.get(MDB_FIRST)
            while let (key, value) = entry, let seq = SequenceKey.decode(key), seq <= sequence {
                stored -= value.count
                bytes += value.count
                try cursor.delete()
                removed += 1
                // After mdb_cursor_del, MDB_NEXT returns the record that followed the deleted one.
                entry = try cursor.get(MDB_NEXT)
            }
        }
        // Gaps at or below the watermark were published (or their frames were delivered
        // before the ring evicted them): they need no record any more.
        try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
            while let (key, value) = try cursor.get(MDB_FIRST),
                  let gap = GapRecord.decode(key: key, value: value), gap.lastSequence <= sequence {
                try cursor.delete()
            }
        }
        try txn.setMetaValue(dbs, MetaKey.storedBytes, UInt64(max(stored, 0)))
        let acked = try txn.metaValue(dbs, MetaKey.acked)
        try txn.setMetaValue(dbs, MetaKey.acked, max(acked, sequence))
        for (name, delta) in counterDeltas where delta != 0 {
            let key = MetaKey.counterPrefix + name
            try txn.setMetaValue(dbs, key, try txn.metaValue(dbs, key) &+ delta)
        }
        return (removed, bytes)
    }

    /// The highest sequence passed to ``removeThrough(_:)`` (0 if none).
    public func ackedWatermark() throws(SpoolError) -> UInt64 {
        try locked("reading the acked watermark") { () throws(LMDBError) in
            try env.read { txn throws(LMDBError) in try txn.metaValue(dbs, MetaKey.acked) }
        }
    }

    /// Evicted ranges not yet cleared, oldest first; the forwarder publishes a gap record for each.
    public func pendingGaps() throws(SpoolError) -> [SpoolGap] {
        try locked("reading gaps") { () throws(LMDBError) in
            try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
                    var gaps: [SpoolGap] = []
                    var entry = try cursor.get(MDB_FIRST)
                    while let (key, value) = entry {
                        guard let gap = GapRecord.decode(key: key, value: value) else {
                            throw LMDBError.undecodable("gaps record", from: "mdb_cursor_get")
                        }
                        gaps.append(gap)
                        entry = try cursor.get(MDB_NEXT)
                    }
                    return gaps
                }
            }
        }
    }

    /// Removes gap records whose last sequence is ≤ `sequence` (they were published).
    /// Returns how many were removed.
    @discardableResult
    public func clearGaps(upTo sequence: UInt64) throws(SpoolError) -> Int {
        try locked("clearing gaps", write: true) { () throws(LMDBError) in
            try env.write { txn throws(LMDBError) in
                try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
                    var removed = 0
                    while let (key, value) = try cursor.get(MDB_FIRST),
                          let gap = GapRecord.decode(key: key, value: value), gap.lastSequence <= sequence {
                        try cursor.delete()
                        removed += 1
                    }
                    return removed
                }
            }
        }
    }
}
