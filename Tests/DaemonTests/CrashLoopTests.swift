import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import Testing

/// Issue 13's crash test against librdkafka's mock cluster: 50 SIGKILLs of the ingest worker and
/// the forwarder at random moments under load from three writers, the broker down and up twice,
/// and every frame whose `send()` succeeded in Kafka exactly once (``CrashLoop``).
@Suite(.serialized, .heavy) struct CrashLoopTests {
    @Test func fiftySigkillsWithBrokerOutagesAgainstTheMockCluster() throws {
        // The mock keeps about 5 MiB per partition and silently drops older records: 12 partitions
        // hold the run's ~40 MiB of records, 3.4 MiB each (the first try, with 3, lost three quarters of them).
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 12, replicationFactor: 1)
        var loop = CrashLoop(seed: 0xC4A5_0050)
        loop.rate = 150
        try loop.run(CrashLoopBroker(
            name: "mock", bootstrapServers: cluster.bootstrapServers,
            takeDown: { try cluster.takeBrokerDown(1) }, bringUp: { try cluster.setBrokerUp(1) },
            readBack: { expected in
                try cluster.readAll(expected: expected, timeout: 180, settle: 3, partitions: 12).map { record in
                    let frame = try KafkaMessageRegistry.standard.decodeFrame(record.value) as? DHCPKafkaMessage
                    return ReadBackRecord(
                        spool: record.spool, sequence: record.sequence, server: frame?.serverName ?? "",
                        timestampIn: frame?.timestampIn ?? .nan, partition: record.partition, offset: record.offset)
                }
            }))
    }
}
