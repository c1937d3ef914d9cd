import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// Records Kafka receives twice are counted (`possibly_persisted`), never silent.
@Suite(.serialized) struct ForwarderDuplicateTests {
    /// Waits for the rewind of the leader-less `partition` (status: every 2 s), gives it a leader
    /// again, waits until all 330 accepted frames were forwarded, stops the daemon and returns the
    /// spool identity.
    static func healAndStop(partition: Int32, cluster: MockCluster, harness: DaemonHarness, daemon: ChildProcess) throws -> String {
        #expect(waitUntil(timeout: 60) { ((try? harness.stats())?["forwarder"]?["retries"]?.intValue ?? 0) >= 1 },
                "\(daemon.log)")
        try cluster.setPartitionLeader(topic: "dhcpkit.messages", partition: partition, broker: 1)
        #expect(waitUntil(timeout: 90) {
            let stats = try? harness.stats()
            return stats?["stored_frames"]?.intValue == 0 && stats?["accepted"]?.intValue == 330
        }, "\(daemon.log)")
        let identity = try #require(try harness.stats()["spool_identity"]?.stringValue)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        return identity
    }

    /// One partition without a leader while the others work: its records time out
    /// (`--message-timeout`), and the rewind that produces them again also produces the records
    /// behind them that the other partitions had acknowledged (to keep each partition in sequence
    /// order). Those reach Kafka twice; `possibly_persisted` counts at least as many as Kafka holds.
    @Test func duplicatesAfterARewindAreCounted() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        // Keyed by client DUID (the default): the sample frames' clients hash to more than one
        // partition, and each partition keeps its order across the rewind (with no key, librdkafka
        // picks a random partition for every produce, so a record produced again may land in
        // another partition).
        let daemon = try harness.start(["--broker", cluster.bootstrapServers,
                                        "--message-timeout", "2", "--backoff-max", "1"])
        let warmUp = try harness.writer(name: "warm-up", frames: 30, rate: 500)
        #expect(warmUp.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarded"]?.intValue == 30 }, "\(daemon.log)")
        try cluster.setPartitionLeader(topic: "dhcpkit.messages", partition: 1, broker: -1)
        let writers = try (0..<6).map { try harness.writer(name: "w\($0)", frames: 50, rate: 50) }
        for writer in writers { #expect(writer.wait(timeout: 60) == 0) }
        // The leader-less partition's records time out and the forwarder rewinds.
        let identity = try Self.healAndStop(partition: 1, cluster: cluster, harness: harness, daemon: daemon)
        let counted = try harness.stats()["forwarder"]?["possibly_persisted"]?.intValue ?? -1
        let (duplicates, _) = try verifyDelivery(try cluster.readAll(expected: 330), accepted: 330, spoolIdentity: identity)
        print("duplicates in Kafka: \(duplicates), possibly_persisted: \(counted)")
        #expect(duplicates > 0, "the scenario produced no duplicates; it tests nothing")
        #expect(counted >= Int64(duplicates), "\(duplicates) duplicates in Kafka, \(counted) counted")
    }

    /// Every frame with one key (one partition), and that partition without a leader for longer
    /// than `--message-timeout`: the older records time out while the newer ones still wait in
    /// librdkafka's queue. The forwarder purges that queue when it starts the rewind; otherwise the
    /// newer records are sent as soon as the partition has a leader again, and reach Kafka before
    /// the older ones are produced again (seen here: "partition 1 out of order at 31", after 330).
    @Test func partitionOrderSurvivesALeaderlessPartition() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        // Keyed by server name, and one writer name (the frames' server name) throughout.
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--key", "server-name",
                                        "--message-timeout", "2", "--backoff-max", "1"])
        let warmUp = try harness.writer(name: "w", frames: 30, rate: 500)
        #expect(warmUp.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarded"]?.intValue == 30 }, "\(daemon.log)")
        let partitions = Set(try cluster.readAll(expected: 30).map(\.partition))
        #expect(partitions.count == 1, "one key, one partition: \(partitions)")
        let partition = try #require(partitions.first)
        try cluster.setPartitionLeader(topic: "dhcpkit.messages", partition: partition, broker: -1)
        // Frames keep coming for longer than the message timeout, so some are still queued when
        // the first ones time out.
        let writer = try harness.writer(name: "w", frames: 300, rate: 100)
        #expect(writer.wait(timeout: 60) == 0)
        let identity = try Self.healAndStop(partition: partition, cluster: cluster, harness: harness, daemon: daemon)
        _ = try verifyDelivery(try cluster.readAll(expected: 330), accepted: 330, spoolIdentity: identity)
    }
}
