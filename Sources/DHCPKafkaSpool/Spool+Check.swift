import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// What to tell the operator for each kind of damage found by ``Spool/check(chunkFrames:validate:)``.
private enum CheckAction {
    static let damaged = "the spool's data is damaged: stop the daemon, move the spool directory aside (keep it "
        + "for analysis; `dhcpkafka spool export`/`list --from SEQ` still read the frames after the damaged one) "
        + "and start the daemon on an empty directory"
    static let counters = "the counters disagree with the stored data, so the ring evicts too early or too late; "
        + "the frames themselves are intact. Let the forwarder drain the spool, stop the daemon, and start it on "
        + "an empty spool directory"
    static let clock = "a receive time is outside 2000 … now + 1 day: check the daemon host's clock (NTP); "
        + "the frame itself is forwarded normally"
    static let undecodable = "the daemon validates every frame before storing it, so this frame was damaged on "
        + "disk: inspect it with `dhcpkafka spool show SEQ`, then treat the spool as damaged"
    static let map = "the LMDB environment is inconsistent with its map size: stop the daemon, move the spool "
        + "directory aside and start on an empty one"
}

extension Spool {
    /// Most problems of one kind listed one by one; the rest are counted in one summary problem.
    static let problemsPerKind = 10

    /// Walks every record of the spool and checks that it is consistent: frame keys and values
    /// well-formed, sequences increasing and below the next sequence, above the acked watermark,
    /// receive times sane, each frame accepted by `validate`, stored bytes equal to the counter,
    /// dead letters and gap records well-formed and consistent, and LMDB's map and readers sane.
    ///
    /// Frames are read `chunkFrames` at a time, each chunk in its own short read transaction, so a
    /// running writer is never held up; totals are compared with the counters only when the walk
    /// fit in one transaction (``SpoolCheckReport/singleSnapshot``). Dead letters and gaps are read
    /// before the frames, so records moving between them while the check runs never look inconsistent.
    ///
    /// - Parameter validate: returns nil for a good frame, or why it is bad (it must not call the spool).
    public func check(chunkFrames: Int = .max,
                      validate: (UInt64, UnsafeRawBufferPointer) -> String?) throws(SpoolError) -> SpoolCheckReport {
        try locked("checking the spool") { () throws(LMDBError) in
            var report = SpoolCheckReport()
            // Problems are collected apart from `report`, which the steps below also modify.
            var found: [SpoolCheckReport.Problem] = []
            var perKind: [String: Int] = [:]
            func problem(_ code: String, _ message: String, _ action: String) {
                perKind[code, default: 0] += 1
                if perKind[code, default: 0] <= Self.problemsPerKind {
                    found.append(SpoolCheckReport.Problem(code: code, message: message, action: action))
                }
            }
            checkEnvironment(&report, problem)
            let now = Self.nowNanoseconds()
            let timeRange: ClosedRange<UInt64> = 946_684_800_000_000_000...(now + 86_400_000_000_000)

            let (gaps, dead) = try env.read { txn throws(LMDBError) in
                try checkMetaDeadAndGaps(txn, &report, timeRange: timeRange, validate: validate, problem)
            }
            try walkFrames(&report, chunkFrames: max(chunkFrames, 1), gaps: gaps, dead: dead,
                           timeRange: timeRange, validate: validate, problem)
            for (code, count) in perKind.sorted(by: { $0.key < $1.key }) where count > Self.problemsPerKind {
                found.append(SpoolCheckReport.Problem(
                    code: code, message: "\(count - Self.problemsPerKind) more \(code) problems not listed", action: "see above"))
            }
            report.problems = found
            return report
        }
    }

    private func checkEnvironment(_ report: inout SpoolCheckReport, _ problem: (String, String, String) -> Void) {
        do {
            report.staleReadersCleared = try env.readerCheck()
            // mdb_reader_list pads its columns and adds a header line, or prints "(no active
            // readers)": keep only the lines that start with a reader's pid.
            report.readers = try env.readerList().map { String($0.drop { $0 == " " }) }
                .filter { $0.first?.isNumber == true }
            let info = try env.info()
            report.pageSize = try env.pageSize()
            report.mapSize = Int(info.me_mapsize)
            report.mapUsed = (Int(info.me_last_pgno) + 1) * report.pageSize
            report.fileSize = SpoolDirectory.dataFileSize(path)
            if report.mapUsed > report.mapSize {
                problem("map-overrun", "LMDB uses \(report.mapUsed) bytes but its map is \(report.mapSize)", CheckAction.map)
            }
            if report.fileSize > report.mapSize {
                problem("file-larger-than-map", "data.mdb is \(report.fileSize) bytes, larger than the map (\(report.mapSize))",
                        CheckAction.map)
            }
        } catch {
            problem("lmdb-environment", "cannot read LMDB's environment information: \(error)", CheckAction.map)
        }
    }

    /// Checks `meta`, `dead` and `gaps` in one transaction; returns the gaps and dead sequences for
    /// the frame walk's cross-checks.
    private func checkMetaDeadAndGaps(
        _ txn: LMDBTransaction, _ report: inout SpoolCheckReport, timeRange: ClosedRange<UInt64>,
        validate: (UInt64, UnsafeRawBufferPointer) -> String?, _ problem: (String, String, String) -> Void
    ) throws(LMDBError) -> ([SpoolGap], Set<UInt64>) {
        let format = try txn.metaValue(dbs, MetaKey.format)
        if format != MetaKey.currentFormat {
            problem("meta-format", "meta format is \(format), expected \(MetaKey.currentFormat)", CheckAction.damaged)
        }
        let identity = try txn.metaBytes(dbs, MetaKey.identity) ?? []
        if identity.count != 16 {
            problem("meta-identity", "the spool identity is \(identity.count) bytes, expected 16", CheckAction.damaged)
        }
        report.nextSequence = try txn.metaValue(dbs, MetaKey.nextSequence)
        report.ackedWatermark = try txn.metaValue(dbs, MetaKey.acked)
        report.storedBytesCounter = try txn.metaValue(dbs, MetaKey.storedBytes)
        let next = report.nextSequence
        if next == 0 {
            problem("meta-next-sequence", "the next sequence is 0; sequences start at 1", CheckAction.damaged)
        }
        if report.ackedWatermark >= max(next, 1) {
            problem("watermark-beyond-newest",
                    "acked watermark \(report.ackedWatermark) is not below the next sequence \(next): "
                        + "frames that were never stored count as forwarded", CheckAction.counters)
        }

        var deadSequences = Set<UInt64>()
        var deadBytes = 0
        try txn.withCursor(dbs.dead) { cursor throws(LMDBError) in
            var entry = try cursor.get(MDB_FIRST)
            while let (key, value) = entry {
                report.deadLetters += 1
                deadBytes += value.count
                guard let letter = DeadRecord.decode(key: key, value: value) else {
                    problem("dead-letter-malformed", "a dead-letter record (key of \(key.count) bytes, value of "
                        + "\(value.count) bytes) does not decode", CheckAction.damaged)
                    entry = try cursor.get(MDB_NEXT)
                    continue
                }
                deadSequences.insert(letter.sequence)
                if letter.sequence == 0 || letter.sequence >= next {
                    problem("dead-letter-sequence", "dead letter \(letter.sequence) has a sequence that was never "
                        + "assigned (next is \(next))", CheckAction.damaged)
                }
                if !timeRange.contains(letter.receiveTime) {
                    problem("receive-time", "dead letter \(letter.sequence) has receive time \(letter.receiveTime) ns",
                            CheckAction.clock)
                }
                let bad = letter.bytes.withUnsafeBytes { validate(letter.sequence, $0) }
                if let bad {
                    problem("dead-letter-undecodable", "dead letter \(letter.sequence) does not decode: \(bad)",
                            CheckAction.undecodable)
                }
                entry = try cursor.get(MDB_NEXT)
            }
        }
        let deadCounter = try txn.metaValue(dbs, MetaKey.deadBytes)
        if UInt64(deadBytes) != deadCounter {
            problem("dead-bytes-mismatch", "dead letters hold \(deadBytes) bytes but the dead_bytes counter says "
                + "\(deadCounter)", CheckAction.counters)
        }

        var gaps: [SpoolGap] = []
        try txn.withCursor(dbs.gaps) { cursor throws(LMDBError) in
            var entry = try cursor.get(MDB_FIRST)
            while let (key, value) = entry {
                report.gaps += 1
                if let gap = GapRecord.decode(key: key, value: value) {
                    checkGap(gap, previous: gaps.last, next: next, acked: report.ackedWatermark, problem)
                    gaps.append(gap)
                } else {
                    problem("gap-malformed", "a gap record (key of \(key.count) bytes, value of \(value.count) bytes) "
                        + "does not decode", CheckAction.damaged)
                }
                entry = try cursor.get(MDB_NEXT)
            }
        }
        return (gaps, deadSequences)
    }

    private func checkGap(_ gap: SpoolGap, previous: SpoolGap?, next: UInt64, acked: UInt64,
                          _ problem: (String, String, String) -> Void) {
        let range = "gap \(gap.firstSequence)–\(gap.lastSequence)"
        if gap.firstSequence > gap.lastSequence || gap.lastSequence >= next {
            problem("gap-range", "\(range) is not a range of assigned sequences (next is \(next))", CheckAction.damaged)
        } else if gap.frames == 0 || gap.frames > gap.lastSequence - gap.firstSequence + 1 {
            problem("gap-frames", "\(range) counts \(gap.frames) frames", CheckAction.damaged)
        }
        if let previous, previous.lastSequence >= gap.firstSequence {
            problem("gap-overlap", "\(range) overlaps gap \(previous.firstSequence)–\(previous.lastSequence)",
                    CheckAction.damaged)
        }
        if gap.lastSequence <= acked {
            problem("gap-below-watermark", "\(range) is at or below the acked watermark \(acked); it should have been "
                + "cleared when the watermark passed it", CheckAction.counters)
        }
    }

    /// Walks the frames in chunks of short read transactions, checking each record.
    private func walkFrames(
        _ report: inout SpoolCheckReport, chunkFrames: Int, gaps: [SpoolGap], dead: Set<UInt64>,
        timeRange: ClosedRange<UInt64>, validate: (UInt64, UnsafeRawBufferPointer) -> String?,
        _ problem: (String, String, String) -> Void
    ) throws(LMDBError) {
        var resume: UInt64 = 0
        var finished = false
        var previous: UInt64?
        var gapIndex = 0
        var firstChunkMeta: (stored: UInt64, next: UInt64)?
        while !finished {
            try env.read { txn throws(LMDBError) in
                let next = try txn.metaValue(dbs, MetaKey.nextSequence)
                let acked = try txn.metaValue(dbs, MetaKey.acked)
                if firstChunkMeta == nil { firstChunkMeta = (try txn.metaValue(dbs, MetaKey.storedBytes), next) }
                report.readTransactions += 1
                try txn.withCursor(dbs.frames) { cursor throws(LMDBError) in
                    var entry = try SequenceKey.with(resume) { key throws(LMDBError) in try cursor.get(MDB_SET_RANGE, key: key) }
                    var count = 0
                    while let (key, value) = entry, count < chunkFrames {
                        count += 1
                        report.frames += 1
                        report.frameBytes += value.count
                        guard let sequence = SequenceKey.decode(key) else {
                            problem("frame-key-malformed", "a frames key is \(key.count) bytes, not 8", CheckAction.damaged)
                            entry = try cursor.get(MDB_NEXT)
                            continue
                        }
                        resume = sequence &+ 1
                        if report.firstSequence == nil { report.firstSequence = sequence }
                        report.lastSequence = sequence
                        if let previous, sequence <= previous {
                            problem("sequence-order", "frame \(sequence) follows \(previous)", CheckAction.damaged)
                        }
                        previous = sequence
                        if sequence == 0 || sequence >= next {
                            problem("sequence-unassigned", "frame \(sequence) has a sequence that was never assigned "
                                + "(next is \(next))", CheckAction.damaged)
                        }
                        if sequence <= acked {
                            problem("frame-below-watermark", "frame \(sequence) is still stored although the acked "
                                + "watermark is \(acked); it will never be forwarded", CheckAction.counters)
                        }
                        while gapIndex < gaps.count, gaps[gapIndex].lastSequence < sequence { gapIndex += 1 }
                        if gapIndex < gaps.count, gaps[gapIndex].firstSequence <= sequence {
                            problem("frame-inside-gap", "frame \(sequence) is stored but inside the evicted range "
                                + "\(gaps[gapIndex].firstSequence)–\(gaps[gapIndex].lastSequence)", CheckAction.counters)
                        }
                        if dead.contains(sequence) {
                            problem("frame-also-dead", "frame \(sequence) is both stored and a dead letter; it would be "
                                + "delivered twice if requeued", CheckAction.counters)
                        }
                        guard value.count >= Self.frameHeaderSize else {
                            problem("frame-value-malformed", "frame \(sequence) has \(value.count) bytes, less than its "
                                + "8-byte receive-time header", CheckAction.damaged)
                            entry = try cursor.get(MDB_NEXT)
                            continue
                        }
                        let receiveTime = UInt64(bigEndian: value.loadUnaligned(as: UInt64.self))
                        if !timeRange.contains(receiveTime) {
                            problem("receive-time", "frame \(sequence) has receive time \(receiveTime) ns", CheckAction.clock)
                        }
                        if let bad = validate(sequence, UnsafeRawBufferPointer(rebasing: value[Self.frameHeaderSize...])) {
                            report.undecodableFrames += 1
                            problem("frame-undecodable", "frame \(sequence) does not decode: \(bad)", CheckAction.undecodable)
                        }
                        entry = try cursor.get(MDB_NEXT)
                    }
                    if entry == nil { finished = true }
                }
            }
            // Drop the pages this walk mapped in, as the writer does, so checking a large spool does
            // not leave this process with the whole file resident.
            env.releaseMappedPages()
        }
        report.singleSnapshot = report.readTransactions == 1
        if report.singleSnapshot, let meta = firstChunkMeta, UInt64(report.frameBytes) != meta.stored {
            problem("stored-bytes-mismatch", "stored frames take \(report.frameBytes) bytes but the stored_bytes "
                + "counter says \(meta.stored)", CheckAction.counters)
        }
    }

    static func nowNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
