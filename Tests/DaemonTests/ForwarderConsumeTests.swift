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
        #expect(result.stderrText.contains("from the 4 partitions"), "\(result.stderrText)")
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

    /// `consume` takes `run`'s Kafka settings: a --kafka-property-file (a property librdkafka refuses
    /// is named at FILE:LINE, exit 2; a good file is used), systemd credentials in
    /// $CREDENTIALS_DIRECTORY, and --source-address (an address this host does not have cannot
    /// reach the broker, exit 1; a local one reads every record).
    @Test func consumeTakesRunsKafkaSettings() throws {
        let cluster = try MockCluster(brokers: 1)
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers])
        let writer = try harness.writer(name: "w", frames: 10, rate: 500)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarded"]?.intValue == 10 }, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        let base = ["consume", "--broker", cluster.bootstrapServers, "--connect-timeout", "5", "--idle-timeout", "2"]

        let bad = harness.directory.appending("bad.properties")
        try Data("# tuning\nno.such.property=1\n".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try runProcess(TestPaths.dhcpkafka, base + ["--kafka-property-file", bad], timeout: 120)
        #expect(refused.status == 2, "\(refused.stderrText)")
        #expect(refused.stderrText.contains("\(bad):2: ") && refused.stderrText.contains("no.such.property"), "\(refused.stderrText)")

        let credentials = harness.directory.appending("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
        try Data("security.protocol=ssl\nssl.ca.location=/nonexistent/ca.pem\n".utf8).write(to: URL(fileURLWithPath: credentials + "/kafka.properties"))
        let fromCredentials = try runProcess(
            TestPaths.dhcpkafka, base, environment: ProcessInfo.processInfo.environment.merging(["CREDENTIALS_DIRECTORY": credentials]) { $1 },
            timeout: 120)
        #expect(fromCredentials.status == 2, "\(fromCredentials.stderrText)")
        #expect(fromCredentials.stderrText.contains("ssl.ca.location"), "\(fromCredentials.stderrText)")

        let good = harness.directory.appending("good.properties")
        try Data("fetch.wait.max.ms=100\n".utf8).write(to: URL(fileURLWithPath: good))
        let read = try runProcess(
            TestPaths.dhcpkafka, base + ["--kafka-property-file", good, "--source-address", "127.0.0.1", "--json"], timeout: 120)
        #expect(read.status == 0, "\(read.stderrText)")
        #expect(read.stdoutText.split(separator: "\n").count == 10, "\(read.stderrText)")

        // 192.0.2.1 (TEST-NET-1) is no address of this host: binding to it fails, so no broker answers.
        let foreign = try runProcess(TestPaths.dhcpkafka, base + ["--source-address", "192.0.2.1"], timeout: 120)
        #expect(foreign.status == 1, "the source address is applied: \(foreign.stderrText)")
        #expect(foreign.stdoutText.isEmpty)
    }
}
