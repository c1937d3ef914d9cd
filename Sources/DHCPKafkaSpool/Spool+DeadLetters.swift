import CLMDB

extension Spool {
    /// Moves stored frame `sequence` out of the ring into the dead letters, with `error` saying
    /// why it could not be delivered. Over the dead-letter limit, the oldest dead letters are
    /// dropped (counted in ``SpoolStats/deadLettersDropped``).
    /// - Throws: ``SpoolError/Code/notFound`` if the frame is not stored.
    public func moveToDead(_ sequence: UInt64, error: String) throws(SpoolError) {
        try locked("dead-lettering frame \(sequence)", write: true) { () throws(SpoolTransactionError) in
            try env.write { txn throws(SpoolTransactionError) in
                let found = try lmdb { () throws(LMDBError) in
                    try SequenceKey.with(sequence) { key throws(LMDBError) -> (UInt64, [UInt8])? in
                        guard let value = try txn.get(dbs.frames, key: key), value.count >= Self.frameHeaderSize else {
                            return nil
                        }
                        let result = (UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)),
                                      Array(value.dropFirst(Self.frameHeaderSize)))
                        try txn.delete(dbs.frames, key: key)
                        return result
                    }
                }
                guard let (receiveTime, bytes) = found else {
                    throw .refused(SpoolError(code: .notFound, message: "frame \(sequence) is not in the spool at \(path)"))
                }
                try lmdb { () throws(LMDBError) in try storeDead(sequence, receiveTime: receiveTime, bytes: bytes, error: error, txn) }
            }
        }
    }

    /// Stores a dead letter for the frame just removed from the ring and drops the oldest dead
    /// letters beyond their capacity, in the caller's transaction.
    private func storeDead(
        _ sequence: UInt64, receiveTime: UInt64, bytes: [UInt8], error: String, _ txn: LMDBTransaction
    ) throws(LMDBError) {
        let stored = try txn.metaValue(dbs, MetaKey.storedBytes)
        let freed = UInt64(bytes.count + Self.frameHeaderSize)
        try txn.setMetaValue(dbs, MetaKey.storedBytes, stored >= freed ? stored - freed : 0)

        var record: [UInt8] = []
        let text = Array(error.utf8.prefix(4000))
        record.reserveCapacity(12 + text.count + bytes.count)
        withUnsafeBytes(of: receiveTime.bigEndian) { record.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(text.count).bigEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: text)
        record.append(contentsOf: bytes)
        try SequenceKey.with(sequence) { key throws(LMDBError) in
            try record.withBytes { value throws(LMDBError) in try txn.put(dbs.dead, key: key, value: value) }
        }
        var deadBytes = Int(try txn.metaValue(dbs, MetaKey.deadBytes)) + record.count
        var dropped = try txn.metaValue(dbs, MetaKey.deadDropped)
        try txn.withCursor(dbs.dead) { cursor throws(LMDBError) in
            while deadBytes > limits.deadCapacityBytes, let (key, value) = try cursor.get(MDB_FIRST),
                  SequenceKey.decode(key) != sequence {
                deadBytes -= value.count
                dropped += 1
                try cursor.delete()
            }
        }
        try txn.setMetaValue(dbs, MetaKey.deadBytes, UInt64(max(deadBytes, 0)))
        try txn.setMetaValue(dbs, MetaKey.deadDropped, dropped)
    }

    /// The sequences in `range` that are dead letters, in order: one cursor seek, no values copied.
    /// The forwarder asks this for a hole in the frames, to tell dead-lettered frames from evicted ones.
    public func deadSequences(in range: Range<UInt64>) throws(SpoolError) -> [UInt64] {
        guard !range.isEmpty else { return [] }
        return try locked("looking up dead letters") { () throws(LMDBError) in
            try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.dead) { cursor throws(LMDBError) in
                    var sequences: [UInt64] = []
                    var entry = try SequenceKey.with(range.lowerBound) { key throws(LMDBError) in
                        try cursor.get(MDB_SET_RANGE, key: key)
                    }
                    while let (key, _) = entry, let sequence = SequenceKey.decode(key), sequence < range.upperBound {
                        sequences.append(sequence)
                        entry = try cursor.get(MDB_NEXT)
                    }
                    return sequences
                }
            }
        }
    }

    /// The dead letters, oldest sequence first, at most `limit`.
    public func listDead(limit: Int = .max) throws(SpoolError) -> [DeadLetter] {
        try locked("listing dead letters") { () throws(LMDBError) in
            try env.read { txn throws(LMDBError) in
                try txn.withCursor(dbs.dead) { cursor throws(LMDBError) in
                    var letters: [DeadLetter] = []
                    var entry = try cursor.get(MDB_FIRST)
                    while let (key, value) = entry, letters.count < limit {
                        guard let letter = DeadRecord.decode(key: key, value: value) else {
                            throw LMDBError.undecodable("dead record", from: "mdb_cursor_get")
                        }
                        letters.append(letter)
                        entry = try cursor.get(MDB_NEXT)
                    }
                    return letters
                }
            }
        }
    }

    /// Moves dead letter `sequence` back into the ring as a NEW frame (new sequence, same receive
    /// time), evicting as an append would. Returns the new sequence.
    /// - Throws: ``SpoolError/Code/notFound`` if there is no such dead letter.
    public func requeueDead(_ sequence: UInt64) throws(SpoolError) -> UInt64 {
        try locked("requeueing dead letter \(sequence)", write: true) { () throws(SpoolTransactionError) in
            try env.write { txn throws(SpoolTransactionError) in
                let found = try lmdb { () throws(LMDBError) in
                    try SequenceKey.with(sequence) { key throws(LMDBError) -> (DeadLetter, Int)? in
                        guard let value = try txn.get(dbs.dead, key: key),
                              let letter = DeadRecord.decode(key: key, value: value) else { return nil }
                        let size = value.count
                        try txn.delete(dbs.dead, key: key)
                        return (letter, size)
                    }
                }
                guard let (letter, size) = found else {
                    throw .refused(SpoolError(code: .notFound, message: "no dead letter \(sequence) in the spool at \(path)"))
                }
                return try lmdb { () throws(LMDBError) in try requeue(letter, size: size, txn) }
            }
        }
    }

    /// Appends a dead letter just removed from `dead` to the ring again, in the caller's transaction.
    private func requeue(_ letter: DeadLetter, size: Int, _ txn: LMDBTransaction) throws(LMDBError) -> UInt64 {
        let deadBytes = Int(try txn.metaValue(dbs, MetaKey.deadBytes))
        try txn.setMetaValue(dbs, MetaKey.deadBytes, UInt64(max(deadBytes - size, 0)))
        var ring = try RingTransaction(txn: txn, dbs: dbs, limits: limits)
        let newSequence = try letter.bytes.withBytes { bytes throws(LMDBError) in
            try ring.append(bytes, receiveTime: letter.receiveTime)
        }
        try ring.enforcePageBudget()
        try ring.finish()
        return newSequence
    }

    /// Deletes all dead letters; returns how many there were.
    @discardableResult
    public func purgeDead() throws(SpoolError) -> Int {
        try locked("purging dead letters", write: true) { () throws(LMDBError) in
            try env.write { txn throws(LMDBError) in
                let count = Int(try txn.stat(dbs.dead).ms_entries)
                try txn.empty(dbs.dead)
                try txn.setMetaValue(dbs, MetaKey.deadBytes, 0)
                return count
            }
        }
    }
}

/// Encoding of `dead` records: receive time (8) + error length (4) + error UTF-8 + frame.
enum DeadRecord {
    /// Decodes a record, or nil if malformed.
    static func decode(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> DeadLetter? {
        guard let sequence = SequenceKey.decode(key), value.count >= 12 else { return nil }
        let length = Int(UInt32(bigEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard value.count >= 12 + length else { return nil }
        return DeadLetter(
            sequence: sequence,
            receiveTime: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)),
            error: String(decoding: value[12..<(12 + length)], as: UTF8.self),
            bytes: Array(value[(12 + length)...]))
    }
}
