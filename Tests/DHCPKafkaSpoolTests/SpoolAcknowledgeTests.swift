import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Synchronization
import Testing

/// `Spool.acknowledge(through:counterDeltas:)`: the forwarder's acknowledging thread removes frames
/// with the same transaction as `removeThrough`, without holding the spool's lock.
@Suite(.ownThreads) struct SpoolAcknowledgeTests {
    @Test("acknowledge removes, counts and raises the watermark exactly as removeThrough")
    func sameAsRemoveThrough() throws {
        let dir = try TemporaryDirectory()
        let a = try Spool.open(at: dir.appending("a"))
        defer { try? a.close() }
        _ = try a.append(makeBatch(count: 1_000, size: 120))
        #expect(try a.acknowledge(through: 400, counterDeltas: ["forwarded": 399, "gap_records": 1]) == 400)
        let viaAcknowledge = try a.stats()
        try a.close()
        let b = try Spool.open(at: dir.appending("b"))
        defer { try? b.close() }
        _ = try b.append(makeBatch(count: 1_000, size: 120))
        #expect(try b.removeThrough(400, counterDeltas: ["forwarded": 399, "gap_records": 1]) == 400)
        let viaRemove = try b.stats()
        #expect(viaAcknowledge.ackedWatermark == 400 && viaRemove.ackedWatermark == 400)
        #expect(viaAcknowledge.storedFrames == 600 && viaAcknowledge.storedFrames == viaRemove.storedFrames)
        #expect(viaAcknowledge.storedBytes == viaRemove.storedBytes)
        #expect(viaAcknowledge.oldestSequence == 401 && viaRemove.oldestSequence == 401)
        #expect(viaAcknowledge.counters["forwarded"] == 399 && viaAcknowledge.counters["gap_records"] == 1)
        #expect(viaAcknowledge.counters == viaRemove.counters)
    }

    @Test("a sequence never assigned is refused and nothing changes")
    func refusesUnassigned() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 10, size: 50))
        let error = spoolError { try spool.acknowledge(through: 11) }
        #expect(error?.code == .invalidArgument)
        #expect(try spool.ackedWatermark() == 0)
        #expect(try spool.stats().storedFrames == 10)
    }

    /// Reads on the spool's own lock go on while another thread acknowledges: every read starts above
    /// the watermark read just before it, and frames keep their content.
    @Test("reads run alongside acknowledgements from another thread")
    func readsAlongside() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        defer { try? spool.close() }
        _ = try spool.append(makeBatch(count: 2_000, size: 64))
        let done = Atomic(false)
        let failure = Mutex<String?>(nil)
        let thread = Thread {
            do {
                for step in 1...200 { try spool.acknowledge(through: UInt64(step * 10)) }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            done.store(true, ordering: .releasing)
        }
        thread.start()
        var reads = 0
        while !done.load(ordering: .acquiring) || reads == 0 {
            let before = try spool.ackedWatermark()
            var first: UInt64?
            var expected: UInt64 = 0
            try spool.withFrames(from: 1, maxFrames: 100) { sequence, bytes in
                if first == nil { first = sequence; expected = sequence }
                #expect(sequence == expected, "frames come in order without holes")
                expected += 1
                // makeBatch tags frame i with i (big-endian UInt32): sequence - 1.
                let tag = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
                #expect(UInt64(tag) == sequence - 1)
                return true
            }
            if let first { #expect(first > before, "a read after the watermark moved to \(before) started at \(first)") }
            reads += 1
        }
        #expect(failure.withLock { $0 } == nil)
        #expect(try spool.ackedWatermark() == 2_000)
        #expect(try spool.stats().storedFrames == 0)
    }

    /// close() waits for a transaction in progress; later calls fail with `closed` (no crash, no
    /// transaction on a closed environment).
    @Test("close waits for an acknowledgement in progress")
    func closeWhileAcknowledging() throws {
        let dir = try TemporaryDirectory()
        let spool = try Spool.open(at: dir.appending("spool"))
        _ = try spool.append(makeBatch(count: 5_000, size: 64))
        let outcome = Mutex<SpoolError?>(nil)
        let progressed = Atomic(0)
        let finished = Atomic(false)
        let thread = Thread {
            var through: UInt64 = 0
            while true {
                through += 1
                do {
                    if through > 5_000 { break }
                    try spool.acknowledge(through: through)
                    progressed.add(1, ordering: .relaxed)
                } catch let error as SpoolError {
                    outcome.withLock { $0 = error }
                    break
                } catch {
                    break
                }
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
        #expect(waitUntil(timeout: 60) { progressed.load(ordering: .relaxed) >= 10 })
        try spool.close()
        #expect(waitUntil(timeout: 60) { finished.load(ordering: .acquiring) })
        let error = outcome.withLock { $0 }
        // Either the thread got through all 5,000 before the close (a very fast machine) or it was told `closed`.
        #expect(error?.code == .closed || progressed.load(ordering: .relaxed) == 5_000, "\(String(describing: error))")
        let reopened = try reopenSpool(at: dir.appending("spool"))
        defer { try? reopened.close() }
        let watermark = try reopened.ackedWatermark()
        let stored = UInt64(try reopened.stats().storedFrames)
        #expect(watermark >= 10 && stored == 5_000 - watermark, "every committed acknowledgement is whole")
    }
}
