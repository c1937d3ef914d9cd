import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

/// The read side used by `dhcpkafka spool tail|show|check`: backwards reads, lookups, the integrity check.
@Suite struct SpoolInspectTests {
    static var now: UInt64 { UInt64(Date().timeIntervalSince1970 * 1e9) }

    @Test func readBeforeReturnsTheNewestBelowABound() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 100, size: 10, receivedAt: Self.now))
        #expect(try spool.read(before: 51, maxFrames: 5).map(\.sequence) == [46, 47, 48, 49, 50])
        #expect(try spool.read(before: .max, maxFrames: 3).map(\.sequence) == [98, 99, 100])
        #expect(try spool.read(before: 1, maxFrames: 5).isEmpty)
        #expect(try spool.read(before: 3, maxFrames: 0).isEmpty)
        try spool.removeThrough(97)
        #expect(try spool.read(before: 99, maxFrames: 5).map(\.sequence) == [98])
        #expect(try spool.frame(98)?.sequence == 98)
        #expect(try spool.frame(97) == nil)
    }

    @Test func deadLetterLookup() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 20, size: 30, receivedAt: Self.now))
        try spool.moveToDead(10, error: "MSG_SIZE_TOO_LARGE")
        #expect(try spool.deadLetter(10)?.error == "MSG_SIZE_TOO_LARGE")
        #expect(try spool.deadLetter(11) == nil)
        #expect(try spool.frame(10) == nil)
    }

    @Test func writerPidFromProcLocks() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        let spool = try Spool.open(at: path)
        #expect(Spool.writerPid(at: path) == getpid())
        try spool.close()
        // The lock belongs to the open file description: a process another test spawns at that moment
        // shares it between its clone and exec (the descriptor is close-on-exec), so wait for that.
        #expect(waitUntil(timeout: 30) { Spool.writerPid(at: path) == nil }, "the lock file stays, the lock does not")
        #expect(Spool.writerPid(at: dir.appending("nowhere")) == nil)
    }

    /// A ring that evicted (gaps), forwarded a prefix (watermark) and dead-lettered a frame is healthy,
    /// whether walked in one snapshot or in small chunks.
    @Test(arguments: [Int.max, 7])
    func checkOfAHealthyBusyRing(chunk: Int) throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"), options: SpoolOptions(capacityBytes: 64 << 10))
        defer { try? spool.close() }
        for round in 0..<10 { _ = try spool.append(makeBatch(count: 20, size: 1000, tag: round * 20, receivedAt: Self.now)) }
        let stats = try spool.stats()
        #expect(stats.evictedFrames > 0 && stats.pendingGaps > 0, "the test needs evictions")
        let oldest = try #require(stats.oldestSequence)
        try spool.moveToDead(oldest + 3, error: "rejected")
        try spool.removeThrough(oldest + 1)

        let reader = try Spool.openReadOnly(at: dir.appending("spool"))
        defer { try? reader.close() }
        var validated: [UInt64] = []
        let report = try reader.check(chunkFrames: chunk) { sequence, bytes in
            validated.append(sequence)
            return bytes.count == 1000 ? nil : "length \(bytes.count)"
        }
        #expect(report.problems == [], "\(report.problems)")
        let after = try reader.stats()
        #expect(report.frames == after.storedFrames)
        #expect(report.frameBytes == after.storedBytes)
        #expect(report.deadLetters == 1 && report.gaps == after.pendingGaps)
        #expect(report.firstSequence == after.oldestSequence && report.lastSequence == after.newestSequence)
        #expect(report.singleSnapshot == (chunk == .max))
        #expect(report.readTransactions == (chunk == .max ? 1 : max(1, (after.storedFrames + chunk - 1) / chunk)))
        // Every stored frame and the dead letter went through the validator, each once.
        #expect(validated.sorted() == ([oldest + 3] + (try reader.read(from: 0, maxFrames: 1000)).map(\.sequence)).sorted())
    }

    /// The reader table lists real readers only: none on an idle spool, the other process's read
    /// transaction while one is held.
    @Test func checkListsOnlyRealReaders() throws {
        let dir = try TemporaryDirectory()
        let path = dir.appending("spool")
        try Spool.open(at: path).close()
        let reader = try Spool.openReadOnly(at: path)
        defer { try? reader.close() }
        #expect(try reader.check { _, _ in nil }.readers == [], "no '(no active readers)' line counted as a reader")
        let holder = try TortureChild(["hold-reader", path])
        defer { _ = holder.kill() }
        #expect(holder.waitUntilReady())
        let readers = try reader.check { _, _ in nil }.readers
        #expect(readers.count == 1 && readers.first?.hasPrefix("\(holder.pid) ") == true, "\(readers)")
    }

    @Test func checkReportsUndecodableFramesAndBadReceiveTimes() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 5, size: 20, receivedAt: Self.now))
        _ = try spool.append(makeBatch(count: 1, size: 20, receivedAt: 1_000))  // 1970: a broken clock
        let report = try spool.check { sequence, _ in sequence == 2 ? "msg-type: unexpected" : nil }
        #expect(report.problems.map(\.code) == ["frame-undecodable", "receive-time"])
        #expect(report.problems[0].message.contains("frame 2 does not decode: msg-type: unexpected"))
        #expect(report.problems[1].message == "frame 6 has receive time 1000 ns")
        #expect(report.undecodableFrames == 1)
        #expect(!report.isHealthy)
    }

    @Test func checkListsAtMostTenProblemsOfAKind() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 25, size: 20, receivedAt: Self.now))
        let report = try spool.check { _, _ in "bad" }
        #expect(report.undecodableFrames == 25)
        #expect(report.problems.count == 11)
        #expect(report.problems.last?.message == "15 more frame-undecodable problems not listed")
    }
}
