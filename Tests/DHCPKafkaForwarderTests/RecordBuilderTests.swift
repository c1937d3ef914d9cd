import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import Testing

@testable import DHCPKafkaForwarder

/// The record the forwarder makes of a spooled frame: key per `--key`, timestamp, headers; and
/// the allocation-free produce path puts exactly those on the wire.
struct RecordBuilderTests {
    static let identity = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    /// The frames of `Fixtures/frames/all.hex`.
    static func fixtureFrames() throws -> [[UInt8]] {
        let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames/all.hex"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { hexBytes(String($0)) }
    }

    @Test(arguments: RecordKey.allCases)
    func keyTimestampAndHeaders(key: RecordKey) throws {
        let builder = RecordBuilder(key: key, spoolIdentity: Self.identity)
        let frames = try Self.fixtureFrames()
        var described = 0
        for (index, frame) in frames.enumerated() {
            let record = builder.record(for: frame, sequence: UInt64(index + 1))
            guard let message = try KafkaMessageRegistry.standard.decodeFrame(frame) as? DHCPKafkaMessage else {
                // Other frame types (unknown to this relay) carry no server name or client.
                #expect(record.key == (key == .none ? nil : []))
                #expect(record.headers.map(\.1) == [Array(Self.identity.utf8), Array(String(index + 1).utf8), [], Array("0".utf8)])
                continue
            }
            described += 1
            switch key {
            case .none: #expect(record.key == nil)
            case .serverName: #expect(record.key == Array(message.serverName.utf8))
            case .clientDUID: #expect(record.key == (message.clientDUID?.bytes ?? Array(message.serverName.utf8)))
            }
            #expect(record.headers.map(\.0) == ["dhcpkafka-spool", "dhcpkafka-sequence", "dhcpkafka-server", "dhcpkafka-epoch"])
            #expect(record.headers.map(\.1) == [Array(Self.identity.utf8), Array(String(index + 1).utf8), Array(message.serverName.utf8), Array("0".utf8)])
            #expect(record.timestampMilliseconds == Int64(message.timestampIn * 1000))
        }
        #expect(described > 20, "the fixtures hold enough DHCPKafkaMessage frames: \(described)")
    }

    @Test func undecodableFrameStillGoesOutWithEmptyNames() {
        let builder = RecordBuilder(key: .clientDUID, spoolIdentity: Self.identity, epoch: 7)
        let record = builder.record(for: [0xde, 0xad], sequence: 42)
        #expect(record.key == [])
        #expect(record.timestampMilliseconds == 0 && record.timestampIn == 0)
        #expect(record.headers.map(\.1) == [Array(Self.identity.utf8), Array("42".utf8), [], Array("7".utf8)])
    }

    @Test func gapHeadersNameTheRange() {
        let builder = RecordBuilder(key: .none, spoolIdentity: Self.identity, epoch: 2)
        #expect(builder.gapHeaders(first: 5, last: 9, serverName: "relay").map(\.1)
                == [Array(Self.identity.utf8), Array("5-9".utf8), Array("relay".utf8), Array("2".utf8)])
    }

    /// The fast produce path (`produce(frame:…)`, reading fields straight from the bytes) against
    /// librdkafka's mock cluster: what a consumer reads back is what `record(for:)` describes.
    @Test(arguments: RecordKey.allCases)
    func producePathMatchesTheRecordDescription(key: RecordKey) throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("records", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaSinkConfiguration(brokers: cluster.brokers, topic: "records"), log: { _ in },
            brokerStateChanged: { _ in })
        defer { producer.close() }
        let builder = RecordBuilder(key: key, spoolIdentity: Self.identity, epoch: 5)
        let frames = try Self.fixtureFrames() + [[0xde, 0xad, 0xbe, 0xef]]  // the last one takes the decoding path
        for (index, frame) in frames.enumerated() {
            let (outcome, _) = frame.withUnsafeBytes { builder.produce(frame: $0, sequence: UInt64(index + 1), with: producer) }
            #expect(outcome == .accepted)
        }
        var delivered = 0
        let deadline = Date().addingTimeInterval(60)
        while delivered < frames.count && Date() < deadline {
            let reports = producer.poll(timeoutMs: 100)
            #expect(reports.allSatisfy { $0.isDelivered })
            delivered += reports.count
        }
        #expect(delivered == frames.count)
        let consumer = try KafkaConsumer(bootstrapServers: cluster.bootstrapServers)
        defer { consumer.close() }
        try consumer.assign(topic: "records", partitions: [0], fromBeginning: true)
        var read: [ConsumedRecord] = []
        let readDeadline = Date().addingTimeInterval(60)
        while read.count < frames.count && Date() < readDeadline {
            if let record = try? consumer.poll(timeoutMs: 100) { read.append(record) }
        }
        try #require(read.count == frames.count)
        for (index, record) in read.enumerated() {
            let expected = builder.record(for: frames[index], sequence: UInt64(index + 1))
            #expect(record.value == frames[index])
            #expect(record.key == expected.key, "frame \(index + 1)")
            #expect(record.headers.elementsEqual(expected.headers, by: { $0 == $1 }), "frame \(index + 1): \(record.headers)")
            if expected.timestampMilliseconds > 0 { #expect(record.timestamp == expected.timestampMilliseconds) }
        }
    }
}
