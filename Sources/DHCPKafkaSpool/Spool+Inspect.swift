import CLMDB

extension Spool {
    /// Reads up to `maxFrames` stored frames with sequences below `sequence`, the newest ones,
    /// returned oldest first: what `spool tail` shows. One short read transaction.
    public func read(before sequence: UInt64, maxFrames: Int) throws(SpoolError) -> [StoredFrame] {
        guard maxFrames > 0 else { return [] }
        return try locked("reading frames backwards") { () throws(LMDBError) in
            defer { maintainIfDueLocked() }
            return try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
                    var frames: [StoredFrame] = []
                    // MDB_SET_RANGE lands on the first key ≥ `sequence`; the one before it is the newest
                    // below. With no key ≥ `sequence` the cursor is unpositioned, so start at the last key.
                    var entry = try SequenceKey.with(sequence) { key throws(LMDBError) in try cursor.get(MDB_SET_RANGE, key: key) }
                    entry = try entry == nil ? cursor.get(MDB_LAST) : cursor.get(MDB_PREV)
                    while let (key, value) = entry, frames.count < maxFrames {
                        guard let seq = SequenceKey.decode(key), value.count >= Self.frameHeaderSize else {
                            throw LMDBError.undecodable("frames record", from: "mdb_cursor_get")
                        }
                        if seq < sequence {
                            frames.append(StoredFrame(
                                sequence: seq, receiveTime: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)),
                                bytes: Array(value.dropFirst(Self.frameHeaderSize))))
                            bytesSinceRelease += value.count
                        }
                        entry = try cursor.get(MDB_PREV)
                    }
                    return frames.reversed()
                }
            }
        }
    }

    /// The stored frame with exactly this sequence, or nil if it is not (or no longer) in the ring.
    public func frame(_ sequence: UInt64) throws(SpoolError) -> StoredFrame? {
        try read(from: sequence, maxFrames: 1).first.flatMap { $0.sequence == sequence ? $0 : nil }
    }

    /// The dead letter that had this sequence in the ring, or nil.
    public func deadLetter(_ sequence: UInt64) throws(SpoolError) -> DeadLetter? {
        try locked("reading dead letter \(sequence)") { () throws(LMDBError) in
            try env.read { txn throws(LMDBError) in
                try SequenceKey.with(sequence) { key throws(LMDBError) -> DeadLetter? in
                    guard let value = try txn.get(dbs.dead, key: key) else { return nil }
                    guard let letter = DeadRecord.decode(key: key, value: value) else {
                        throw LMDBError.undecodable("dead record", from: "mdb_get")
                    }
                    return letter
                }
            }
        }
    }

    /// The pid of the process holding the spool's writer lock (a running `dhcpkafka run`), or nil.
    ///
    /// Looks the lock up in `/proc/locks` instead of trying to take it: a probing `flock` would,
    /// for a moment, make a daemon starting at the same time fail with "held by another writer".
    public static func writerPid(at path: String) -> Int32? {
        SpoolLockProbe.holder(of: path + "/writer.lock")
    }
}
