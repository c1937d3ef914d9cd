import CLMDB

/// The ring's limits, fixed for the life of a writer.
struct RingLimits {
    /// Most stored bytes (sum of frame value sizes).
    var capacityBytes: Int
    /// Most stored frames, if limited.
    var maxFrames: Int?
    /// Most pages the `frames` B-tree may use; the physical bound behind the map size.
    var framePageBudget: Int
    /// Most dead-letter bytes.
    var deadCapacityBytes: Int

    /// The limits of a writer with `options` on an environment with pages of `pageSize` bytes.
    /// The page budget is twice the capacity in pages plus 16: room for pages that frames fill
    /// badly and for the B-tree's branch pages.
    init(_ options: SpoolOptions, pageSize: Int) {
        capacityBytes = options.capacityBytes
        maxFrames = options.maxFrames
        framePageBudget = (2 * options.capacityBytes) / pageSize + 16
        deadCapacityBytes = options.deadLetterCapacityBytes
    }

    private init(capacityBytes: Int, maxFrames: Int?, framePageBudget: Int, deadCapacityBytes: Int) {
        self.capacityBytes = capacityBytes
        self.maxFrames = maxFrames
        self.framePageBudget = framePageBudget
        self.deadCapacityBytes = deadCapacityBytes
    }

    /// A read-only spool's: it never appends, so nothing fits.
    static let readOnly = RingLimits(capacityBytes: 0, maxFrames: nil, framePageBudget: 0, deadCapacityBytes: 0)
}

/// The ring's bookkeeping inside one write transaction: loads the meta counters, appends and
/// evicts frames, and writes counters and gap records back in ``finish(counterDeltas:)``.
/// Everything happens in the caller's transaction, so it commits or aborts as one.
struct RingTransaction {
    let txn: LMDBTransaction
    let dbs: SpoolDatabases
    let limits: RingLimits

    var nextSequence: UInt64
    var storedBytes: Int
    var storedFrames: Int
    var appended: UInt64
    var evictedFrames: UInt64
    var evictedBytes: UInt64
    /// Evictions of this transaction, as coalesced ranges.
    var evictions: [SpoolGap] = []
    /// Frames and bytes evicted in this transaction.
    var evictedNow = (frames: 0, bytes: 0)

    /// Loads the counters from `meta`.
    init(txn: LMDBTransaction, dbs: SpoolDatabases, limits: RingLimits) throws(LMDBError) {
        self.txn = txn
        self.dbs = dbs
        self.limits = limits
        nextSequence = max(try txn.metaValue(dbs, MetaKey.nextSequence), 1)
        storedBytes = Int(try txn.metaValue(dbs, MetaKey.storedBytes))
        storedFrames = Int(try txn.stat(dbs.frames).ms_entries)
        appended = try txn.metaValue(dbs, MetaKey.appended)
        evictedFrames = try txn.metaValue(dbs, MetaKey.evictedFrames)
        evictedBytes = try txn.metaValue(dbs, MetaKey.evictedBytes)
    }

    /// Appends one frame with the next sequence, evicting the oldest frames first as needed.
    /// The caller has checked that `header + frame` fits in the capacity.
    mutating func append(_ frame: UnsafeRawBufferPointer, receiveTime: UInt64) throws(LMDBError) -> UInt64 {
        let size = Spool.frameHeaderSize + frame.count
        while storedBytes + size > limits.capacityBytes
            || (limits.maxFrames.map { storedFrames + 1 > $0 } ?? false)
        {
            guard try evictOldest() else { break }
        }
        let sequence = nextSequence
        let space = try SequenceKey.with(sequence) { key throws(LMDBError) in
            try txn.reserve(dbs.frames, key: key, size: size, flags: UInt32(MDB_APPEND))
        }
        guard let base = space.baseAddress, space.count == size else {
            throw LMDBError(code: .invalid, function: "mdb_put", detail: "MDB_RESERVE gave \(space.count) bytes, not \(size)")
        }
        base.storeBytes(of: receiveTime.bigEndian, as: UInt64.self)
        if let source = frame.baseAddress, frame.count > 0 {
            (base + Spool.frameHeaderSize).copyMemory(from: source, byteCount: frame.count)
        }
        nextSequence += 1
        storedBytes += size
        storedFrames += 1
        appended += 1
        return sequence
    }

    /// Evicts the oldest stored frame, recording it as a gap; false if the ring is empty.
    mutating func evictOldest() throws(LMDBError) -> Bool {
        let removed: (UInt64, Int)? = try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
            guard let (key, value) = try cursor.get(MDB_FIRST) else { return nil }
            guard let sequence = SequenceKey.decode(key) else {
                throw LMDBError(code: .corrupted, function: "mdb_cursor_get", detail: "a frames key of \(key.count) bytes, not 8")
            }
            let size = value.count
            try cursor.delete()
            return (sequence, size)
        }
        guard let (sequence, size) = removed else { return false }
        storedBytes = max(storedBytes - size, 0)
        storedFrames -= 1
        evictedFrames += 1
        evictedBytes += UInt64(size)
        evictedNow.frames += 1
        evictedNow.bytes += size
        if let last = evictions.last, last.lastSequence &+ 1 == sequence {
            evictions[evictions.count - 1].lastSequence = sequence
            evictions[evictions.count - 1].frames += 1
            evictions[evictions.count - 1].bytes += UInt64(size)
        } else {
            evictions.append(SpoolGap(firstSequence: sequence, lastSequence: sequence,
                                      frames: 1, bytes: UInt64(size)))
        }
        return true
    }

    /// Evicts the oldest frames until at least `bytes` were freed or the ring is empty.
    mutating func evict(bytes: Int) throws(LMDBError) {
        var freed = 0
        while freed < bytes {
            let before = storedBytes
            guard try evictOldest() else { return }
            freed += before - storedBytes
        }
    }

    /// Evicts until the `frames` B-tree uses at most ``RingLimits/framePageBudget`` pages,
    /// which only matters for frame sizes that fill pages badly (tiny frames, ~2 KiB frames).
    mutating func enforcePageBudget() throws(LMDBError) {
        while storedFrames > 0 {
            let stat = try txn.stat(dbs.frames)
            let pages = Int(stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages)
            if pages <= limits.framePageBudget { return }
            for _ in 0..<16 { guard try evictOldest() else { return } }
        }
    }

    /// Writes counters, caller counter deltas and coalesced gap records back into the transaction.
    mutating func finish(counterDeltas: [String: UInt64] = [:]) throws(LMDBError) {
        try txn.setMetaValue(dbs, MetaKey.nextSequence, nextSequence)
        try txn.setMetaValue(dbs, MetaKey.storedBytes, UInt64(storedBytes))
        try txn.setMetaValue(dbs, MetaKey.appended, appended)
        if evictedNow.frames > 0 {
            try txn.setMetaValue(dbs, MetaKey.evictedFrames, evictedFrames)
            try txn.setMetaValue(dbs, MetaKey.evictedBytes, evictedBytes)
            try recordGaps()
        }
        for (name, delta) in counterDeltas where delta != 0 {
            let key = MetaKey.counterPrefix + name
            let old = try txn.metaValue(dbs, key)
            try txn.setMetaValue(dbs, key, old &+ delta)
        }
    }

    /// Merges this transaction's evictions into the `gaps` database, extending the newest
    /// stored gap when the first new range continues it.
    private mutating func recordGaps() throws(LMDBError) {
        guard var first = evictions.first else { return }
        let previous: SpoolGap? = try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
            guard let (key, value) = try cursor.get(MDB_LAST) else { return nil }
            return GapRecord.decode(key: key, value: value)
        }
        if let previous, previous.lastSequence &+ 1 == first.firstSequence {
            first = SpoolGap(firstSequence: previous.firstSequence, lastSequence: first.lastSequence,
                             frames: previous.frames + first.frames, bytes: previous.bytes + first.bytes)
            evictions[0] = first
        }
        for gap in evictions { try GapRecord.put(gap, txn: txn, dbs: dbs) }
    }
}

/// Encoding of `gaps` records.
enum GapRecord {
    /// Decodes a record, or nil if malformed.
    static func decode(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> SpoolGap? {
        guard let first = SequenceKey.decode(key), value.count == 24 else { return nil }
        func field(_ i: Int) -> UInt64 { UInt64(bigEndian: value.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        return SpoolGap(firstSequence: first, lastSequence: field(0), frames: field(1), bytes: field(2))
    }

    /// Stores (or replaces) a gap record.
    static func put(_ gap: SpoolGap, txn: LMDBTransaction, dbs: SpoolDatabases) throws(LMDBError) {
        let fields = [gap.lastSequence.bigEndian, gap.frames.bigEndian, gap.bytes.bigEndian]
        try SequenceKey.with(gap.firstSequence) { key throws(LMDBError) in
            try fields.withBytes { value throws(LMDBError) in try txn.put(dbs.gaps, key: key, value: value) }
        }
    }
}
