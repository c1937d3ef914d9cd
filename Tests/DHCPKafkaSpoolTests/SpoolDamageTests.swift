import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

@Suite("Spool damage and capacity changes")
struct SpoolDamageTests {
    @Test("reopening with a smaller capacity evicts down to it at open (counted, gap-recorded); ingest goes on")
    func smallerCapacityAtOpen() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        // data.mdb ends up larger than the map a 256 KiB spool would get (18 MiB), as in the field
        // (a 64 MiB spool holding 49 MiB, restarted with --capacity 4M).
        var spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 32 << 20, durability: .noMetaSync))
        for i in 0..<80 { _ = try spool.append(makeBatch(count: 256, size: 1000, tag: i * 256)) }
        let before = try spool.stats()
        #expect(before.storedFrames == 80 * 256 && before.evictedFrames == 0)
        let small = 256 << 10
        #expect(before.fileSize > SpoolOptions(capacityBytes: small).mapSize)
        try spool.close()
        spool = try reopenSpool(at: path, options: SpoolOptions(capacityBytes: small, durability: .noMetaSync))
        let atOpen = spool.evictedAtOpen
        var stats = try spool.stats()
        #expect(atOpen.frames > 0 && stats.storedBytes <= small)
        #expect(stats.evictedFrames == UInt64(atOpen.frames) && stats.evictedBytes == UInt64(atOpen.bytes))
        #expect(stats.storedFrames + atOpen.frames == before.storedFrames)
        let gaps = try spool.pendingGaps()
        #expect(gaps == [SpoolGap(firstSequence: 1, lastSequence: UInt64(atOpen.frames), frames: UInt64(atOpen.frames),
                                  bytes: UInt64(atOpen.bytes))])
        for i in 0..<20 {
            let result = try spool.append(makeBatch(count: 100, size: 1000, tag: 100_000 + i * 100))
            #expect(result.count == 100)
        }
        stats = try spool.stats()
        #expect(stats.storedBytes <= small && stats.appendedFrames == UInt64(80 * 256 + 2000))
        #expect(stats.appendedFrames - stats.evictedFrames == UInt64(stats.storedFrames))
    }

    @Test("a frame key with a flipped bit: writer and forwarder refuse at open naming it; salvage copies every frame")
    func flippedKeyBit() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 1 << 20))
        _ = try spool.append(makeBatch(count: 1000, size: 100))
        try spool.close()
        #expect(try SpoolFileDamage.flipKeyBit(spool: path, sequence: 500, bit: 20))

        let ingest = spoolError { _ = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 1 << 20)) }
        #expect(ingest?.code == .corrupt)
        #expect(ingest?.message.contains("after sequence 499 has sequence 1049076, which was never assigned") == true)
        #expect(ingest?.message.contains("spool salvage") == true)
        let forwarder = spoolError { _ = try Spool.open(at: path, role: .forwarder) }
        #expect(forwarder?.code == .corrupt && forwarder?.message.contains("1049076") == true)
        // The refusal changed nothing: the writer lock is free, the spool still reads.
        #expect(try Spool.openReadOnly(at: path).stats().nextSequence == 1001)

        let target = dir.appending("salvaged")
        let report = try Spool.salvage(from: path, into: target) { _ in true }
        #expect(report.copiedFrames == 1000 && report.damagedKeys == 1 && report.unreadableFrames == 0)
        let salvaged = try Spool.open(at: target, options: SpoolOptions(capacityBytes: 1 << 20))
        let frames = try salvaged.read(from: 0, maxFrames: 2000)
        #expect(frames.map(\.sequence) == Array(1...1000))
        let tags = frames.map { UInt32(bigEndian: $0.bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) }
        // LMDB keeps the damaged key where it was: the copy keeps the original order.
        #expect(tags == Array(0..<1000))
        #expect(frames.map(\.receiveTime) == (0..<1000).map { 1_000 + $0 })
        #expect(try salvaged.stats().identity != (try Spool.openReadOnly(at: path).stats().identity))
        // Salvage never writes into an existing spool, nor copies a spool a writer still appends to.
        #expect(spoolError { _ = try Spool.salvage(from: path, into: target) { _ in true } }?.code == .invalidArgument)
        let busy = spoolError { _ = try Spool.salvage(from: target, into: dir.appending("third")) { _ in true } }
        #expect(busy?.code == .heldByAnotherWriter && busy?.message.contains("pid \(getpid())") == true)
        try salvaged.close()
    }

    @Test("acknowledging at or beyond the next sequence throws and changes nothing")
    func ackBeyondNext() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 1 << 20))
        _ = try spool.append(makeBatch(count: 10, size: 50))
        for sequence: UInt64 in [11, 12, 1_049_075] {
            let error = spoolError { _ = try spool.removeThrough(sequence) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("newest assigned sequence is 10") == true)
        }
        #expect(try spool.ackedWatermark() == 0 && spool.stats().storedFrames == 10)
        #expect(try spool.removeThrough(10) == 10)
        _ = try spool.append(makeBatch(count: 1, size: 50))
        #expect(try spool.read(from: 11, maxFrames: 10).map(\.sequence) == [11])
    }

    @Test("a truncated data.mdb is refused as corrupt by every open, never mapped (no SIGBUS)")
    func truncatedFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 4 << 20))
        for i in 0..<8 { _ = try spool.append(makeBatch(count: 256, size: 1000, tag: i * 256)) }
        try spool.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int)
        #expect(truncate(path + "/data.mdb", off_t(size / 2)) == 0)
        for error in [spoolError { _ = try Spool.openReadOnly(at: path) },
                      spoolError { _ = try Spool.open(at: path, role: .forwarder) },
                      spoolError { _ = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 4 << 20)) }] {
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("is truncated: data.mdb has \(size / 2) bytes") == true)
        }
        #expect(truncate(path + "/data.mdb", 100) == 0)
        #expect(spoolError { _ = try Spool.openReadOnly(at: path) }?.message.contains("two meta pages") == true)
    }
}

@Suite("Spool epoch")
struct SpoolEpochTests {
    /// A writer SIGKILLed in an earlier boot (its recorded boot id is another): an OS crash may
    /// have rolled its tail back. The same SIGKILL in this boot is a process crash and loses nothing.
    @Test("the epoch is bumped only when a writer in nometasync/periodic mode stopped without closing in another boot",
          arguments: [("sync", "earlier-boot", UInt64(0)), ("nometa", "earlier-boot", UInt64(1)), ("periodic", "earlier-boot", UInt64(1)),
                      ("nometa", "this-boot", UInt64(0)), ("periodic", "this-boot", UInt64(0))])
    func epochAfterUncleanStop(mode: String, boot: String, expected: UInt64) throws {
        try #require(SpoolOptions.currentBootID != nil, "the kernel has a boot id")
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let durability: SpoolDurability = mode == "sync" ? .sync
            : mode == "nometa" ? .noMetaSync : .periodic(interval: .milliseconds(50))
        let options = SpoolOptions(capacityBytes: 256 << 20, durability: durability)
        // A clean stop never changes it.
        try reopenSpool(at: path, options: options).close()
        #expect(try reopenSpool(at: path, options: options).stats().epoch == 0)
        // (The spool above was released without close(): deinit closes it, cleanly.)
        #expect(try Spool.openReadOnly(at: path).stats().epoch == 0)

        let child = try TortureChild(["append", path, mode] + (boot == "earlier-boot" ? ["00000000-0000-4000-8000-000000000000"] : []))
        let appended = waitUntil(timeout: 60) { ((try? Spool.openReadOnly(at: path).stats().nextSequence) ?? 0) > 1 }
        child.kill()
        #expect(appended)
        // A process another test spawns may briefly share the lock's file description (between its
        // clone and exec): wait until the writer lock is free.
        var opened: Spool?
        #expect(waitUntil(timeout: 30) {
            opened = try? Spool.open(at: path, options: options)
            return opened != nil
        })
        var spool = try #require(opened)
        #expect(try spool.stats().epoch == expected)
        try spool.close()
        spool = try reopenSpool(at: path, options: options)
        #expect(try spool.stats().epoch == expected, "a clean close keeps the epoch")
    }
}
