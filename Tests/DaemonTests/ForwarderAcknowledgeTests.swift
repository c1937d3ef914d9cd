import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The forwarder removes acknowledged frames in batched transactions on a thread of its own. A
/// SIGKILL at any moment must leave a spool whose watermark covers only what Kafka holds, and lose
/// nothing after the restart.
@Suite(.serialized, .heavy) struct ForwarderAcknowledgeTests {
    @Test func batchedAcknowledgementsSurviveSIGKILL() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let ingest = try harness.start()  // --no-forward: the forwarder runs as its own process here
        let writer = try harness.writer(name: "w", frames: 4_000, rate: 2_000)
        #expect(writer.wait(timeout: 120) == 0)
        let sent = try harness.sentTimestamps("w").count
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["accepted"]?.intValue == Int64(sent) })
        // A small window: many acknowledgements, and many commits of them, in every round.
        let window = 100
        let arguments = ["forward", "--spool", harness.spool, "--broker", cluster.bootstrapServers,
                         "--max-in-flight-frames", String(window)]
        var rng = SplitMix64(seed: 0xACC0)
        var lastWatermark = try harness.ackedWatermark()
        var kills = 0
        for round in 0..<8 where lastWatermark < Int64(sent) {
            let forwarder = try ChildProcess(TestPaths.dhcpkafka, arguments, logPath: harness.directory.appending("forward-\(round).log"))
            let progressed = waitUntil(timeout: 60) { ((try? harness.ackedWatermark()) ?? 0) > lastWatermark }
            usleep(UInt32.random(in: 0...50_000, using: &rng))
            forwarder.killHard()
            kills += 1
            #expect(progressed, "round \(round): no acknowledgement reached the spool: \(forwarder.log)")
            // What the spool has let go of must be in Kafka: every sequence up to the watermark.
            let watermark = try harness.ackedWatermark()
            #expect(watermark >= lastWatermark, "the watermark never goes back")
            let inKafka = Set(try cluster.readAll(expected: Int(watermark), settle: 0.5).compactMap(\.frameSequence))
            let missing = (1...max(UInt64(watermark), 1)).filter { !inKafka.contains($0) }
            #expect(watermark == 0 || missing.isEmpty,
                    "round \(round): \(missing.count) frames left the spool (watermark \(watermark)) but are not in Kafka, first \(missing.prefix(5))")
            lastWatermark = watermark
        }
        let forwarder = try ChildProcess(TestPaths.dhcpkafka, arguments, logPath: harness.directory.appending("forward-final.log"))
        #expect(waitUntil(timeout: 120) { (try? harness.stats())?["stored_frames"]?.intValue == 0 }, "\(forwarder.log)")
        let stats = try harness.stats()
        let identity = try #require(stats["spool_identity"]?.stringValue)
        #expect(stats["acked_watermark"]?.intValue == Int64(sent))
        forwarder.signal(SIGTERM)
        #expect(forwarder.wait(timeout: 30) == 0)
        ingest.signal(SIGTERM)
        #expect(ingest.wait(timeout: 30) == 0)
        let records = try cluster.readAll(expected: sent)
        let (duplicates, gaps) = try verifyDelivery(records, accepted: UInt64(sent), spoolIdentity: identity)
        #expect(gaps == 0)
        // Each kill sends again at most the window (records not yet acknowledged) plus the acknowledged
        // ones not yet removed from the spool, which are capped at the window's size as well.
        #expect(duplicates <= kills * 2 * window, "\(duplicates) duplicates for \(kills) kills of a \(window)-record window")
    }
}
