import DHCPKafkaSink
import DHCPKafkaWire
import DHCPv6
import DHCPKafkaTestSupport
import Foundation
import LookingGlassCollector
import LookingGlassStore
import Testing

/// The collector against librdkafka's mock cluster over TCP, storing into SQLite on disk.
@Suite(.serialized) struct CollectorTests {
    static func produce(_ cluster: MockCluster, _ records: [(value: [UInt8], headers: [(String, [UInt8])])]) throws {
        let producer = try KafkaProducer(configuration: KafkaSinkConfiguration(brokers: cluster.brokers))
        defer { producer.close() }
        for (index, record) in records.enumerated() {
            let outcome = record.value.withUnsafeBytes {
                producer.produce(value: $0, key: nil, headers: record.headers, timestamp: 0, token: UInt64(index))
            }
            #expect(outcome == .accepted)
        }
        #expect(producer.flush(timeoutMs: 120_000))
    }

    static func relayRecords(_ range: Range<Int>) -> [(value: [UInt8], headers: [(String, [UInt8])])] {
        range.map { n in
            let frame = Frames.transaction(
                server: "dhcp\(n % 3)", client: n, request: .request, response: .reply, address: "2001:db8::\(n + 1)",
                at: 1_800_000_000 + Double(n))
            return (Frames.bytes(frame), [
                ("dhcpkafka-spool", Array("7d1e0c1a-0000-4000-8000-00000000000a".utf8)),
                ("dhcpkafka-sequence", Array(String(n).utf8)), ("dhcpkafka-epoch", Array("0".utf8)),
            ])
        }
    }

    /// Runs a collector until `condition` holds on the store (60 s at most on a loaded machine), then stops it.
    /// The condition sees the collector's counters.
    static func collect(
        _ cluster: MockCluster, _ store: SQLiteStore, until condition: (CollectorCounters.Snapshot) throws -> Bool
    ) async throws -> CollectorCounters.Snapshot {
        let collector = try Collector(
            configuration: CollectorConfiguration(brokers: cluster.bootstrapServers, batchSize: 50), store: store)
        collector.start()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !(try condition(collector.counters.snapshot)) { try await Task.sleep(for: .milliseconds(50)) }
        collector.requestStop()
        try await collector.waitUntilFinished()
        return collector.counters.snapshot
    }

    @Test func storesEveryRecordOnceAcrossRestartsAndRedelivery() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3)
        try await TemporaryDirectory.with(prefix: "lg-collector") { dir in
            let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
            try Self.produce(cluster, Self.relayRecords(0..<300))
            let first = try await Self.collect(cluster, store) { $0.records >= 300 }
            #expect(try store.statistics().transactions == 300)
            #expect(first.inserted == 300)
            // The relay resends 0..<100 (as after its own crash) and goes on with 300..<400; a gap record
            // and an undecodable record arrive too. A new member of the same group starts at the committed offsets.
            var gap: [UInt8] = []
            try DHCPKafkaWireGap.make().encode(into: &gap)
            try Self.produce(cluster, Self.relayRecords(0..<100) + Self.relayRecords(300..<400) + [(gap, []), ([1, 200], [])])
            let second = try await Self.collect(cluster, store) { $0.records >= 202 }
            #expect(try store.statistics().transactions == 400)
            #expect(second.records == 202)
            #expect(second.duplicates == 100)
            #expect(second.gaps == 1)
            #expect(try store.servers(now: 1_800_000_000).first { $0.name == "dhcp0" }?.lostFrames == 5)
        }
    }
}

enum DHCPKafkaWireGap {
    static func make() -> GapKafkaMessage {
        GapKafkaMessage(
            serverName: "dhcp0", spoolIdentity: Array(repeating: 7, count: 16), firstSequence: 10, lastSequence: 14, frames: 5,
            bytes: 1000, timestamp: 1_800_000_100)
    }
}
