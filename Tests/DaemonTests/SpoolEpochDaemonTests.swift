import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// After a writer in `nometasync` mode stopped without closing the spool in an earlier boot (an OS
/// crash, which may reuse sequences; here a SIGKILLed writer that recorded another boot id), the
/// daemon bumps the spool's epoch and every record carries it. A SIGKILLed ingest worker of this
/// boot leaves the epoch alone (`CrashLoopTests` kills it 25 times).
@Suite(.serialized) struct SpoolEpochDaemonTests {
    @Test func recordsCarryTheEpochBumpedAfterAnUncleanStop() throws {
        let harness = try DaemonHarness()
        // The test-only helper appends in nometasync mode until it is SIGKILLed.
        let torture = Process()
        torture.executableURL = TestPaths.buildProducts.appendingPathComponent("spool-torture")
        torture.arguments = ["append", harness.spool, "nometa", "00000000-0000-4000-8000-000000000000"]
        torture.standardOutput = FileHandle.nullDevice
        try SpawnGate.run { try torture.run() }
        let appended = waitUntil(timeout: 60) { ((try? Spool.openReadOnly(at: harness.spool).stats().nextSequence) ?? 0) > 1 }
        kill(torture.processIdentifier, SIGKILL)
        torture.waitUntilExit()
        try #require(appended)
        let before = try Spool.openReadOnly(at: harness.spool).stats()
        #expect(before.epoch == 0)

        let cluster = try MockCluster.forTests()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--durability", "nometasync",
                                        "--capacity", "256MiB"])
        let writer = try harness.writer(name: "w", frames: 20, rate: 0)
        #expect(writer.wait(timeout: 60) == 0)
        let total = Int(before.nextSequence - 1) + 20
        #expect(waitUntil(timeout: 120) { (try? harness.stats())?["acked_watermark"]?.intValue == Int64(total) }, "\(daemon.log)")
        #expect(try harness.stats()["spool_epoch"]?.intValue == 1)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0)
        let records = try cluster.readAll(expected: total)
        #expect(records.count >= total)
        #expect(records.allSatisfy { $0.epoch == "1" }, "\(Set(records.map(\.epoch)))")
        // A clean stop keeps it.
        #expect(try Spool.openReadOnly(at: harness.spool).stats().epoch == 1)
    }
}
