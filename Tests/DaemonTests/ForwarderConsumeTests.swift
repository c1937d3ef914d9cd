import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka consume` reads back what the forwarder delivered.
@Suite(.serialized) struct ForwarderConsumeTests {
    /// A 4-partition topic, records spread at random (no key): consume finds every partition in the
    /// metadata and, without --count, reads everything; with --config it takes the brokers and the
    /// topic from <send-to-kafka>; JSON names the relay hop of interface_id and remote_id.
    @Test func consumeReadsEveryPartition() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("four", partitions: 4, replicationFactor: 1)
        let harness = try DaemonHarness()
        // No key and no sticky partitioning: every record goes to a random partition.
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--topic", "four", "--key", "none",
                                        "--kafka-property", "sticky.partitioning.linger.ms=0"])
        let writer = try harness.writer(name: "w", frames: 60, rate: 500)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarded"]?.intValue == 60 }, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)

        let result = try runProcess(
            TestPaths.dhcpkafka, ["consume", "--broker", cluster.bootstrapServers, "--topic", "four", "--json"], timeout: 120)
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = try result.stdoutText.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines.count == 60, "\(result.stderrText)")
        let partitions = Set(lines.compactMap { $0["partition"]?.intValue })
        #expect(partitions.contains(3), "records of partition 3 are read too: \(partitions)")
        #expect(result.stderrText.contains("from 4 partitions"), "\(result.stderrText)")
        let relayed = lines.filter { $0["frame"]?["interface_id"] != nil }
        #expect(!relayed.isEmpty)
        for line in relayed {
            let from = line["interface_id_from"]
            #expect(from?["level"]?.intValue != nil, "\(line.compactText)")
            let hops = line["relays"]?.arrayValue ?? []
            let hop = hops.first { $0["message"] == from?["message"] && $0["level"] == from?["level"] }
            #expect(hop?["interface_id"] == line["frame"]?["interface_id"], "\(line.compactText)")
        }

        let config = harness.directory.appending("consume.conf")
        try Data("<send-to-kafka>\n    broker \(cluster.bootstrapServers)\n    topic four\n</send-to-kafka>\n".utf8)
            .write(to: URL(fileURLWithPath: config))
        let fromConfig = try runProcess(TestPaths.dhcpkafka, ["consume", "--config", config, "--count", "5"], timeout: 120)
        #expect(fromConfig.status == 0, "\(fromConfig.stderrText)")
        #expect(fromConfig.stdoutText.split(separator: "\n").count == 10, "two lines per record: \(fromConfig.stdoutText)")
    }

    /// No broker listening: consume says so and exits 1 instead of "read 0 of 1" and 0; an address
    /// that is not host:port is refused as `run` refuses it (exit 2).
    @Test func consumeFailsClearlyWithoutABroker() throws {
        let unreachable = try runProcess(
            TestPaths.dhcpkafka, ["consume", "--broker", "127.0.0.1:1", "--connect-timeout", "2"], timeout: 120)
        #expect(unreachable.status == 1, "\(unreachable.stderrText)")
        #expect(unreachable.stderrText.contains("No Kafka broker answered"), "\(unreachable.stderrText)")
        let misspelled = try runProcess(TestPaths.dhcpkafka, ["consume", "--broker", "foo"], timeout: 120)
        #expect(misspelled.status == 2, "\(misspelled.stderrText)")
        #expect(misspelled.stderrText.contains("is not a Kafka broker address"), "\(misspelled.stderrText)")
    }
}
