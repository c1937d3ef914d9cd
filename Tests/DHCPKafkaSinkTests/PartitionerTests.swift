import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import Testing

/// Java-compatible partitioning of keyed records: our murmur2 against Kafka's own test vectors,
/// and against where librdkafka (2.0.2 linked here, 2.16 in Python) puts records with
/// `partitioner=murmur2_random`.
@Suite(.serialized) struct PartitionerTests {
    /// Kafka's `UtilsTest.testMurmur2` (clients/src/test/java/org/apache/kafka/common/utils).
    @Test(arguments: [
        ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
    ])
    func javaVectors(text: String, hash: Int32) {
        #expect(KafkaPartitioner.murmur2(Array(text.utf8)) == hash)
    }

    @Test func nullKeysAndNoPartitionsHaveNoPartition() {
        #expect(KafkaPartitioner.partition(forKey: nil, partitions: 3) == nil)
        #expect(KafkaPartitioner.partition(forKey: [1], partitions: 0) == nil)
        // toPositive, not abs: "21" hashes negative; & 0x7fffffff then % 7.
        let expected: Int32 = (-973_932_308 & 0x7fff_ffff) % 7
        #expect(expected == 3)
        #expect(KafkaPartitioner.partition(forKey: Array("21".utf8), partitions: 7) == expected)
    }

    /// Keys of every length 0…40 (all tail cases) and random bytes: the partition our producer's
    /// librdkafka chose is the one ``KafkaPartitioner`` computes.
    @Test func librdkafkaPlacesKeysWhereWeCompute() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("placement", partitions: 7)
        let keys = Self.keys()
        let producer = try KafkaProducer(configuration: KafkaSinkConfiguration(brokers: cluster.brokers, topic: "placement"))
        for (index, key) in keys.enumerated() {
            let outcome = [UInt8(1)].withUnsafeBytes { producer.produce(value: $0, key: key, token: UInt64(index)) }
            #expect(outcome == .accepted)
        }
        var placed: [UInt64: Int32] = [:]
        var reports: [DeliveryReport] = []
        let deadline = Date().addingTimeInterval(60)
        while placed.count < keys.count && Date() < deadline {
            producer.poll(timeoutMs: 100, into: &reports)
            for report in reports where report.isDelivered { placed[report.token] = report.partition }
        }
        producer.close()
        #expect(placed.count == keys.count)
        for (index, key) in keys.enumerated() {
            #expect(placed[UInt64(index)] == KafkaPartitioner.partition(forKey: key, partitions: 7), "key \(key)")
        }
    }

    /// The same with librdkafka 2.16 (confluent-kafka's wheel) and `partitioner=murmur2_random`.
    @Test func librdkafka216PlacesKeysWhereWeCompute() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("placement", partitions: 7)
        let keys = Self.keys()
        let lines = keys.map { key in #"{"key": "\#(key.map { String(format: "%02x", $0) }.joined())", "value": "01"}"# }
        let result = try runProcess(
            TestPaths.python,
            [TestPaths.interopScripts.appendingPathComponent("produce_records.py").path, cluster.bootstrapServers, "placement"],
            stdin: Array((lines.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderrText)")
        let placed = result.stdoutText.split(separator: "\n").map { Int32($0) }
        #expect(placed.count == keys.count)
        for (index, key) in keys.enumerated() where index < placed.count {
            #expect(placed[index] == KafkaPartitioner.partition(forKey: key, partitions: 7), "key \(key)")
        }
    }

    private static func keys() -> [[UInt8]] {
        var rng = SplitMix64(seed: 0x3A3A)
        var keys = (0...40).map { length in (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) } }
        keys += (0..<100).map { _ in (0..<Int.random(in: 1...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        return keys
    }
}
