import DHCPKafkaSpool

/// Reads a spool in chunks, each chunk one short read transaction, so the daemon is never held up
/// however many frames are read (a long read transaction would pin pages the ring needs to reuse).
enum SpoolScan {
    /// Frames per read transaction.
    static let chunkFrames = 512

    /// Calls `body` with each stored entry from sequence `from` upwards until it returns false or
    /// the newest frame was read. Returns the sequence after the last one read.
    @discardableResult
    static func forward(_ spool: Spool, from: UInt64, _ body: (SpoolEntry) throws -> Bool) throws -> UInt64 {
        var next = from
        while true {
            let chunk = try spool.read(from: next, maxFrames: chunkFrames)
            guard let last = chunk.last else { return next }
            for stored in chunk {
                next = stored.sequence + 1
                guard try body(SpoolEntry(stored)) else { return next }
            }
            next = last.sequence + 1
        }
    }

    /// The newest `count` entries below sequence `before` that pass `filter`, oldest first.
    static func newest(_ spool: Spool, count: Int, before: UInt64, filter: FrameFilter) throws -> [SpoolEntry] {
        // Chunks newest first, joined once at the end: inserting each at the front would copy all found so far.
        var chunks: [ArraySlice<SpoolEntry>] = []
        var found = 0
        var bound = before
        while found < count {
            let chunk = try spool.read(before: bound, maxFrames: chunkFrames)
            guard let first = chunk.first else { break }
            let matching = chunk.map(SpoolEntry.init).filter(filter.matches).suffix(count - found)
            chunks.append(matching)
            found += matching.count
            bound = first.sequence
        }
        return Array(chunks.reversed().joined())
    }
}
