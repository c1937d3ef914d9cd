import CLMDB

/// What ``Spool/salvage(from:into:validate:)`` recovered and what it had to leave behind.
public struct SpoolSalvageReport: Sendable, Equatable {
    /// Frames copied into the new spool (with new sequences from 1, in the old key order).
    public var copiedFrames = 0
    /// Frame records whose value was too short or that `validate` refused; not copied.
    public var unreadableFrames = 0
    /// Frames copied although their key was damaged (not 8 bytes, or never assigned).
    public var damagedKeys = 0
    /// Dead letters in the old spool; not copied (list them there with `spool dead list`).
    public var deadLettersLeft = 0
    /// Evicted ranges of the old spool not yet published as gap records.
    public var unpublishedGaps = 0
    /// The identity of the new spool.
    public var newIdentity = ""
}

extension Spool {
    /// Frames (or bytes) copied per write transaction of the new spool.
    static let salvageBatchFrames = 1024
    static let salvageBatchBytes = 4 << 20

    /// Copies every readable frame of the spool at `source` into a new spool at `target`, in the
    /// old spool's key order, with new sequences, the same receive times, capacity and durability.
    ///
    /// For a spool whose bookkeeping is damaged (a flipped bit in a frame key, a watermark beyond the
    /// next sequence), which writers refuse to open. Frame keys are not trusted: a frame whose key is
    /// damaged is copied like the others. Frames whose value is too short or that `validate` refuses
    /// are counted and left behind. The old spool is only read (one read transaction); a spool a
    /// daemon still writes to is refused.
    ///
    /// - Throws: ``SpoolError/Code/heldByAnotherWriter`` while a daemon writes to `source`,
    ///   ``SpoolError/Code/invalidArgument`` if `target` already holds a spool, and any error
    ///   of ``openReadOnly(at:)``, ``open(at:options:)`` or ``append(_:counterDeltas:)``.
    public static func salvage(from source: String, into target: String,
                               validate: (UnsafeRawBufferPointer) -> Bool) throws(SpoolError) -> SpoolSalvageReport {
        if let pid = writerPid(at: source) {
            throw SpoolError(code: .heldByAnotherWriter, message: "spool at \(source) is in use by pid \(pid) (dhcpkafka "
                + "run?); stop it first, so no frame arrives after the copy")
        }
        if SpoolDirectory.dataFileSize(target) > 0 {
            throw SpoolError(code: .invalidArgument, message: "\(target) already holds a spool; salvage copies into a "
                + "new directory only: give --into a path that does not exist yet or an empty directory")
        }
        let old = try openReadOnly(at: source)
        defer { try? old.close() }
        let stats = try old.stats()
        let options = SpoolOptions(capacityBytes: stats.capacityBytes, maxFrames: stats.capacityFrames,
                                   durability: SpoolDurability(recorded: stats.durability))
        let new = try open(at: target, options: options)
        var report = SpoolSalvageReport(deadLettersLeft: stats.deadLetters, unpublishedGaps: stats.pendingGaps)
        report.newIdentity = try new.stats().identity
        var batch = SpoolBatch(reservingFrames: salvageBatchFrames, bytes: salvageBatchBytes)
        var failure: SpoolError?
        func flush() {
            guard !batch.isEmpty, failure == nil else { return }
            do { _ = try new.append(batch) } catch { failure = error }
            batch.removeAll()
        }
        try old.locked("salvaging frames") { () throws(LMDBError) in
            try old.env.read { txn throws(LMDBError) in
                try txn.withCursor(old.dbs.frames) { cursor throws(LMDBError) in
                    var entry = try cursor.get(MDB_FIRST)
                    while let (key, value) = entry, failure == nil {
                        entry = try cursor.get(MDB_NEXT)
                        let sequence = SequenceKey.decode(key)
                        guard value.count > frameHeaderSize,
                              value.count - frameHeaderSize <= new.maxFrameSize,
                              validate(UnsafeRawBufferPointer(rebasing: value[frameHeaderSize...])) else {
                            report.unreadableFrames += 1
                            continue
                        }
                        if !(sequence.map { $0 != 0 && $0 < stats.nextSequence } ?? false) { report.damagedKeys += 1 }
                        batch.append(UnsafeRawBufferPointer(rebasing: value[frameHeaderSize...]),
                                     receivedAt: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)))
                        report.copiedFrames += 1
                        if batch.count >= salvageBatchFrames || batch.bytes.count >= salvageBatchBytes { flush() }
                        old.bytesSinceRelease += value.count
                        old.maintainIfDueLocked()
                    }
                }
            }
        }
        flush()
        if let failure {
            try? new.close()
            throw failure
        }
        try new.close()
        return report
    }
}
