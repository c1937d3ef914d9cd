import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// What counts as lost when the ring evicts: only frames a gap record covers. Frames the forwarder
/// had already handed to librdkafka when the ring evicted them are delivered, and are not lost.
@Suite(.serialized) struct EvictionAccountingTests {
    @Test func framesEvictedInFlightAndDeliveredAreNotLost() throws {
        let cluster = try MockCluster.forTests()
        // The broker is away: the forwarder produces up to 300 frames into librdkafka's queue, where
        // they wait; the ring (100 frames) evicts them and everything after them meanwhile.
        // (Away once the forwarder's startup scan found Kafka empty of this spool: before that it
        // produces nothing.)
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--capacity", "64KiB", "--max-frames", "100",
                                        "--max-in-flight-frames", "300", "--message-timeout", "300"])
        #expect(harness.waitForStartupScan(), "\(daemon.log)")
        try cluster.takeBrokerDown(1)
        // First 90 frames, which the ring holds: wait until the forwarder has all of them in flight
        // (its status file, rewritten every 2 s), so they are certainly sent before the ring evicts them.
        let first = try harness.writer(name: "a", frames: 90, rate: 0)
        #expect(first.wait(timeout: 120) == 0)
        #expect(waitUntil(timeout: 120) {
            (try? harness.stats())?["forwarder"]?["in_flight"]?.intValue == 90
        }, "\(daemon.log)")
        let total = 1_000
        let writer = try harness.writer(name: "b", frames: total - 90, rate: 2_000)
        #expect(writer.wait(timeout: 120) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["accepted"]?.intValue == Int64(total) }, "\(daemon.log)")
        let during = try harness.stats()
        #expect((during["evicted_frames"]?.intValue ?? 0) >= Int64(total - 100))
        #expect(during["lost_frames"]?.intValue == 0, "nothing is known to be lost while Kafka has not answered")
        try cluster.setBrokerUp(1)
        #expect(waitUntil(timeout: 120) {
            guard let stats = try? harness.stats() else { return false }
            return stats["stored_frames"]?.intValue == 0 && stats["pending_gaps"]?.intValue == 0
                && stats["acked_watermark"]?.intValue == Int64(total)
        }, "\(daemon.log)")
        let stats = try harness.stats()
        let identity = try #require(stats["spool_identity"]?.stringValue)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0)

        // Read until at least every delivered frame and every gap record is back (then 1 s of
        // quiet for duplicates): a fixed small count let a loaded run stop before the gap records.
        let lost = try #require(stats["lost_frames"]?.intValue)
        let gapRecords = try #require(stats["gap_records"]?.intValue)
        let records = try cluster.readAll(expected: total - Int(lost) + Int(gapRecords))
        _ = try verifyDelivery(records, accepted: UInt64(total), spoolIdentity: identity)
        #expect(records.allSatisfy { $0.epoch == "0" }, "frames and gap records carry the spool's epoch")
        let delivered = Set(records.compactMap(\.frameSequence))
        var gapCovered = Set<UInt64>()
        for record in records where record.frameSequence == nil {
            let gap = try #require(try KafkaMessageRegistry.dhcpKafka.decodeFrame(record.value) as? GapKafkaMessage)
            gapCovered.formUnion(gap.firstSequence...gap.lastSequence)
        }
        #expect(delivered.count + gapCovered.count == total && delivered.isDisjoint(with: gapCovered))
        // Lost is exactly what the gap records cover; the rest of the evicted frames reached Kafka.
        let evicted = try #require(stats["evicted_frames"]?.intValue)
        #expect(stats["lost_frames"]?.intValue == Int64(gapCovered.count))
        #expect(stats["pending_gap_frames"]?.intValue == 0)
        #expect(stats["evicted_delivered_frames"]?.intValue == evicted - Int64(gapCovered.count))
        #expect(evicted - Int64(gapCovered.count) >= 90, "frames in librdkafka's queue were evicted and still delivered")
        #expect(!gapCovered.isEmpty, "frames the window could not take were evicted before they were sent: lost")
        let text = try runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--interval", "0", "--spool", harness.spool])
        #expect(text.stdoutText.contains("\(gapCovered.count) lost (covered by gap records), "
            + "\(evicted - Int64(gapCovered.count)) had been sent and were delivered, 0 not known yet"), "\(text.stdoutText)")
    }
}
