import CLMDB

/// A snapshot of a spool's state and counters, read in one read transaction
/// (works from another process while the writer runs).
public struct SpoolStats: Sendable, Equatable {
    /// The spool's identity, a UUID v4 made at creation and never changed.
    public var identity: String
    /// The spool's epoch: 0 at creation, bumped when a writer opens the spool after an unclean stop
    /// in an earlier boot, in a durability mode that can reuse sequences (see docs/spool.md). Identity + epoch + sequence
    /// name a frame uniquely.
    public var epoch: UInt64
    /// The durability mode of the last writer, as text (`sync`, `noMetaSync`, `periodic(…)`).
    public var durability: String
    /// The capacity in stored bytes, as set by the last writer.
    public var capacityBytes: Int
    /// The frame limit set by the last writer, if any.
    public var capacityFrames: Int?
    /// Frames stored in the ring.
    public var storedFrames: Int
    /// Stored bytes: sum of frame sizes plus their headers.
    public var storedBytes: Int
    /// Sequence of the oldest stored frame, if any.
    public var oldestSequence: UInt64?
    /// Receive time (ns since the epoch) of the oldest stored frame, for its age.
    public var oldestReceiveTime: UInt64?
    /// Sequence of the newest stored frame, if any.
    public var newestSequence: UInt64?
    /// The sequence the next accepted frame gets.
    public var nextSequence: UInt64
    /// Frames ever accepted.
    public var appendedFrames: UInt64
    /// Frames evicted from the ring to make room, ever: lost ones (``lostFrames``), ones the
    /// forwarder had sent before and Kafka acknowledged (``evictedDeliveredFrames``), and ones whose
    /// fate is not known yet (``pendingGapFrames``).
    public var evictedFrames: UInt64
    /// Stored bytes evicted, ever.
    public var evictedBytes: UInt64
    /// Highest sequence removed as forwarded (``Spool/removeThrough(_:)``).
    public var ackedWatermark: UInt64
    /// Dead letters stored.
    public var deadLetters: Int
    /// Bytes of dead letters stored.
    public var deadLetterBytes: Int
    /// Dead letters dropped because the dead-letter limit was passed.
    public var deadLettersDropped: UInt64
    /// Gap records not yet cleared.
    public var pendingGaps: Int
    /// Frames in the gap records not yet cleared: evicted, and neither published as lost nor
    /// acknowledged yet (they may still be in flight to Kafka).
    public var pendingGapFrames: UInt64
    /// Persisted caller counters (e.g. `rejected.truncated`).
    public var counters: [String: UInt64]
    /// The LMDB map size: the most `data.mdb` can grow to.
    public var mapSize: Int
    /// The size of `data.mdb` on disk.
    public var fileSize: Int
}

extension SpoolStats {
    /// The persisted counter the forwarder adds the frames of acknowledged gap records to.
    public static let lostFramesCounter = "gap_frames"

    /// Frames lost to eviction: evicted before the forwarder sent them, covered by gap records
    /// that Kafka acknowledged. Only these are lost; it never goes down.
    public var lostFrames: UInt64 { counters[Self.lostFramesCounter] ?? 0 }

    /// Frames evicted after the forwarder had sent them, and acknowledged by Kafka: not lost.
    public var evictedDeliveredFrames: UInt64 {
        let resolved = lostFrames + pendingGapFrames
        return evictedFrames > resolved ? evictedFrames - resolved : 0
    }
}

extension Spool {
    /// Reads the state and counters in one short read transaction.
    public func stats() throws(SpoolError) -> SpoolStats {
        try locked("reading stats") { () throws(LMDBError) in
            let mapSize = Int(try env.info().me_mapsize)
            return try env.read { txn throws(LMDBError) in
                let identity = try txn.metaBytes(dbs, MetaKey.identity) ?? []
                let durability = try txn.metaBytes(dbs, MetaKey.durability) ?? []
                let maxFrames = try txn.metaValue(dbs, MetaKey.maxFrames)
                let frames = try txn.stat(dbs.frames)
                let dead = try txn.stat(dbs.dead)
                let gaps = try txn.stat(dbs.gaps)
                let ends = try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
                    let first = try cursor.get(MDB_FIRST).map { entry in
                        (SequenceKey.decode(entry.key), entry.value.count >= 8
                            ? UInt64(bigEndian: entry.value.loadUnaligned(as: UInt64.self)) : nil)
                    }
                    let last = try cursor.get(MDB_LAST).flatMap { SequenceKey.decode($0.key) }
                    return (first?.0, first?.1, last)
                }
                return SpoolStats(
                    identity: identity.count == 16 ? SpoolIdentity.string(identity) : "",
                    epoch: try txn.metaValue(dbs, MetaKey.epoch),
                    durability: String(decoding: durability, as: UTF8.self),
                    capacityBytes: Int(try txn.metaValue(dbs, MetaKey.capacityBytes)),
                    capacityFrames: maxFrames == 0 ? nil : Int(maxFrames),
                    storedFrames: Int(frames.ms_entries),
                    storedBytes: Int(try txn.metaValue(dbs, MetaKey.storedBytes)),
                    oldestSequence: ends.0, oldestReceiveTime: ends.1, newestSequence: ends.2,
                    nextSequence: max(try txn.metaValue(dbs, MetaKey.nextSequence), 1),
                    appendedFrames: try txn.metaValue(dbs, MetaKey.appended),
                    evictedFrames: try txn.metaValue(dbs, MetaKey.evictedFrames),
                    evictedBytes: try txn.metaValue(dbs, MetaKey.evictedBytes),
                    ackedWatermark: try txn.metaValue(dbs, MetaKey.acked),
                    deadLetters: Int(dead.ms_entries),
                    deadLetterBytes: Int(try txn.metaValue(dbs, MetaKey.deadBytes)),
                    deadLettersDropped: try txn.metaValue(dbs, MetaKey.deadDropped),
                    pendingGaps: Int(gaps.ms_entries),
                    pendingGapFrames: try pendingGapFrames(txn),
                    counters: try readCounters(txn),
                    mapSize: mapSize,
                    fileSize: SpoolDirectory.dataFileSize(path))
            }
        }
    }

    private func pendingGapFrames(_ txn: LMDBTransaction) throws(LMDBError) -> UInt64 {
        try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
            var frames: UInt64 = 0
            var entry = try cursor.get(MDB_FIRST)
            while let (key, value) = entry {
                frames &+= GapRecord.decode(key: key, value: value)?.frames ?? 0
                entry = try cursor.get(MDB_NEXT)
            }
            return frames
        }
    }

    private func readCounters(_ txn: LMDBTransaction) throws(LMDBError) -> [String: UInt64] {
        var counters: [String: UInt64] = [:]
        let prefix = Array(MetaKey.counterPrefix.utf8)
        try txn.withCursor(dbs.meta) { cursor throws(LMDBError) in
            var entry = try prefix.withBytes { key throws(LMDBError) in try cursor.get(MDB_SET_RANGE, key: key) }
            while let (key, value) = entry, key.starts(with: prefix) {
                let name = String(decoding: key.dropFirst(prefix.count), as: UTF8.self)
                counters[name] = SequenceKey.decode(value) ?? 0
                entry = try cursor.get(MDB_NEXT)
            }
        }
        return counters
    }
}
