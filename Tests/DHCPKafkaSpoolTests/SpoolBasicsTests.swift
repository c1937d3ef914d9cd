import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool basics")
struct SpoolBasicsTests {
    @Test("append assigns increasing sequences; read returns frames in order with receive times")
    func appendAndRead() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 1 << 20))
        let r1 = try spool.append(makeBatch(count: 3, size: 10, tag: 0, receivedAt: 500))
        let r2 = try spool.append(makeBatch(count: 2, size: 20, tag: 100))
        #expect(r1 == AppendResult(firstSequence: 1, lastSequence: 3, evictedFrames: 0, evictedBytes: 0))
        #expect(r2.firstSequence == 4 && r2.lastSequence == 5 && r2.count == 2)
        let frames = try spool.read(from: 0, maxFrames: 100)
        #expect(frames.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(frames[0].receiveTime == 500 && frames[2].receiveTime == 502)
        #expect(frames[3].bytes.count == 20 && frames[3].bytes.prefix(4) == [0, 0, 0, 100])
        #expect(try spool.read(from: 4, maxFrames: 1).map(\.sequence) == [4])
        #expect(try spool.read(from: 2, maxFrames: 10, maxBytes: 15).map(\.sequence) == [2])
        let empty = try spool.append(SpoolBatch(), counterDeltas: ["rejected.truncated": 3])
        #expect(empty.count == 0 && empty.firstSequence == 6)
        let stats = try spool.stats()
        #expect(stats.storedFrames == 5 && stats.storedBytes == 3 * 18 + 2 * 28)
        #expect(stats.oldestSequence == 1 && stats.newestSequence == 5 && stats.nextSequence == 6)
        #expect(stats.oldestReceiveTime == 500 && stats.appendedFrames == 5)
        #expect(stats.counters == ["rejected.truncated": 3])
        #expect(stats.identity.count == 36 && stats.durability == "sync")
        #expect(stats.fileSize > 0 && stats.fileSize <= stats.mapSize)
    }

    @Test("sequences never repeat: across reopen, after removing everything, identity kept")
    func sequencesMonotonic() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        var spool = try Spool.open(at: path)
        _ = try spool.append(makeBatch(count: 10, size: 30))
        let identity = try spool.stats().identity
        #expect(try spool.removeThrough(10) == 10)
        #expect(try spool.ackedWatermark() == 10)
        try spool.close()
        spool = try reopenSpool(at: path)
        let r = try spool.append(makeBatch(count: 1, size: 30))
        #expect(r.firstSequence == 11)
        #expect(try spool.stats().identity == identity)
        #expect(try spool.stats().storedBytes == 38)
        #expect(try spool.removeThrough(5) == 0)
        #expect(try spool.ackedWatermark() == 10)
    }

    @Test("eviction keeps exactly the newest frames that fit; counters and gaps match")
    func evictionExact() throws {
        let dir = try TemporaryDirectory()
        // 100-byte frames store 108 bytes; 64 KiB holds 606 of them.
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 65536))
        _ = try spool.append(makeBatch(count: 600, size: 100))
        let r = try spool.append(makeBatch(count: 10, size: 100))
        #expect(r.evictedFrames == 4 && r.evictedBytes == 4 * 108)
        let stats = try spool.stats()
        #expect(stats.oldestSequence == 5 && stats.newestSequence == 610 && stats.storedFrames == 606)
        #expect(stats.storedBytes == 606 * 108 && stats.evictedFrames == 4 && stats.evictedBytes == 432)
        _ = try spool.append(makeBatch(count: 2, size: 100))
        #expect(try spool.pendingGaps() == [SpoolGap(firstSequence: 1, lastSequence: 6, frames: 6, bytes: 648)])
        // Forwarded frames are not gaps: remove through 100 (which also clears the gaps at or below
        // the watermark: the forwarder published them), then evictions start a new range.
        #expect(try spool.removeThrough(100) == 94)
        #expect(try spool.pendingGaps() == [])
        #expect(try spool.append(makeBatch(count: 94, size: 100)).evictedFrames == 0)
        _ = try spool.append(makeBatch(count: 3, size: 100))
        _ = try spool.append(makeBatch(count: 2, size: 100))
        #expect(try spool.pendingGaps() == [SpoolGap(firstSequence: 101, lastSequence: 105, frames: 5, bytes: 540)])
        #expect(try spool.clearGaps(upTo: 103) == 0, "a range is cleared only when all of it is at or below")
        #expect(try spool.clearGaps(upTo: 105) == 1)
        #expect(try spool.pendingGaps() == [])
    }

    @Test("max frames evicts by count")
    func maxFrames() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 1 << 20, maxFrames: 5))
        let r = try spool.append(makeBatch(count: 8, size: 10))
        #expect(r.evictedFrames == 3)
        #expect(try spool.read(from: 0, maxFrames: 100).map(\.sequence) == [4, 5, 6, 7, 8])
        #expect(try spool.pendingGaps() == [SpoolGap(firstSequence: 1, lastSequence: 3, frames: 3, bytes: 54)])
    }

    @Test("a frame larger than the capacity is refused and nothing is written")
    func frameTooLarge() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 65536))
        _ = try spool.append(makeBatch(count: 5, size: 100))
        #expect(spool.maxFrameSize == 65528)
        var batch = makeBatch(count: 1, size: 10)
        batch.append([UInt8](repeating: 0, count: 65529), receivedAt: 1)
        let error = spoolError { _ = try spool.append(batch) }
        #expect(error?.code == .frameTooLarge)
        #expect(try spool.stats().storedFrames == 5 && spool.stats().nextSequence == 6)
        var fits = SpoolBatch()
        fits.append([UInt8](repeating: 0, count: 65528), receivedAt: 1)
        let r = try spool.append(fits)
        #expect(r.evictedFrames == 5 && r.firstSequence == 6)
    }

    @Test("durability modes open, append, sync and reopen", arguments: [
        SpoolDurability.sync, .noMetaSync, .periodic(interval: .milliseconds(10)),
    ])
    func durabilityModes(_ mode: SpoolDurability) throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let spool = try Spool.open(at: path, options: SpoolOptions(durability: mode))
        for i in 0..<5 { _ = try spool.append(makeBatch(count: 50, size: 200, tag: i * 50)) }
        try spool.sync()
        try spool.syncIfDue()
        #expect(try spool.stats().durability == mode.description)
        try spool.close()
        #expect(spoolError { _ = try spool.stats() }?.code == .closed)
        let again = try reopenSpool(at: path, options: SpoolOptions(durability: mode))
        #expect(try again.stats().storedFrames == 250 && again.stats().nextSequence == 251)
    }

    @Test("dead letters: move, list, requeue with a new sequence, purge")
    func deadLetters() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        _ = try spool.append(makeBatch(count: 4, size: 30, receivedAt: 7))
        try spool.moveToDead(2, error: "broker rejected: MESSAGE_TOO_LARGE")
        try spool.moveToDead(3, error: "x")
        #expect(spoolError { try spool.moveToDead(2, error: "again") }?.code == .notFound)
        let dead = try spool.listDead()
        #expect(dead.map(\.sequence) == [2, 3])
        #expect(dead[0].error == "broker rejected: MESSAGE_TOO_LARGE" && dead[0].receiveTime == 8)
        #expect(dead[0].bytes.count == 30 && dead[0].bytes.prefix(4) == [0, 0, 0, 1])
        #expect(try spool.read(from: 0, maxFrames: 10).map(\.sequence) == [1, 4])
        let newSequence = try spool.requeueDead(2)
        #expect(newSequence == 5)
        let requeued = try spool.read(from: 5, maxFrames: 1)
        #expect(requeued.first?.bytes == dead[0].bytes && requeued.first?.receiveTime == 8)
        #expect(spoolError { _ = try spool.requeueDead(2) }?.code == .notFound)
        #expect(try spool.purgeDead() == 1)
        let stats = try spool.stats()
        #expect(stats.deadLetters == 0 && stats.deadLetterBytes == 0 && stats.storedBytes == 3 * 38)
    }
}

@Suite struct SpoolDeadSequenceTests {
    @Test("deadSequences finds exactly the dead letters inside a range")
    func deadSequencesInRange() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 1 << 20))
        var batch = SpoolBatch()
        for i in 0..<20 { batch.append([UInt8(i), 1, 2, 3], receivedAt: 1) }
        _ = try spool.append(batch)
        for sequence: UInt64 in [3, 7, 8, 15] { try spool.moveToDead(sequence, error: "test") }
        #expect(try spool.deadSequences(in: 1..<21) == [3, 7, 8, 15])
        #expect(try spool.deadSequences(in: 4..<15) == [7, 8])
        #expect(try spool.deadSequences(in: 9..<15) == [])
        #expect(try spool.deadSequences(in: 15..<16) == [15])
        #expect(try spool.deadSequences(in: 5..<5) == [])
    }
}
