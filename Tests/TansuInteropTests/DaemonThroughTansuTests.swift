import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// The whole relay against an independent broker: writers → `dhcpkafka run` (ingest) and
/// `dhcpkafka forward` (on librdkafka 2.16) → tansu → confluent-kafka → dhcpkit-kafka 1.0.0.
@Suite("The daemon forwarding to tansu", .serialized)
struct DaemonThroughTansuTests {
    @Test("frames and a gap record reach tansu in sequence order; dhcpkit-kafka decodes the frames and skips the gap record")
    func daemonForwardsToTansu() throws {
        let directory = try TemporaryDirectory(prefix: "dhcpkafka-tansu-daemon")
        let broker = try TansuBroker(logDirectory: directory.path)
        defer { broker.stop() }
        #expect(try broker.createTopic("dhcpkit.messages", partitions: 1) == [0])
        let socket = directory.appending("ingest.sock")
        let spool = directory.appending("spool")

        // Ingest only, into a ring of 50 frames: 200 frames evict the first 150 before any forwarding.
        let ingest = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", socket, "--spool", spool, "--capacity", "64KiB", "--max-frames", "50"],
            logPath: directory.appending("ingest.log"))
        #expect(waitUntil(timeout: 10) { socketExists(socket) })
        let early = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "200", "--rate", "2000", "--server-name", "early",
                                  "--log", directory.appending("early"), "--json"])
        #expect(early.status == 0)
        let earlySent = try JSONValue.parse(early.stdoutText)["sent"]?.intValue ?? 0
        #expect(earlySent > 150, "enough early frames to overflow the 50-frame ring")
        #expect(waitUntil(timeout: 10) { Self.stats(spool)?["accepted"]?.intValue == earlySent })

        // The forwarder on the librdkafka 2.16 runtime (2.0.2 cannot talk to tansu).
        let forwarder = try ChildProcess(
            TestPaths.dhcpkafka, ["forward", "--spool", spool, "--broker", broker.bootstrapServers, "--server-name", "relay01.example.net"],
            logPath: directory.appending("forward.log"), environment: TestPaths.librdkafkaRuntimeEnvironment)
        let late = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "300", "--rate", "1000", "--server-name", "late",
                                  "--log", directory.appending("late"), "--json"])
        #expect(late.status == 0)
        // Under load a writer may drop (and count) a few frames: expect exactly what they queued.
        let lateSent = try JSONValue.parse(late.stdoutText)["sent"]?.intValue ?? 0
        let total = Int(earlySent + lateSent)
        #expect(waitUntil(timeout: 60) {
            let stats = Self.stats(spool)
            return stats?["accepted"]?.intValue == Int64(total) && stats?["stored_frames"]?.intValue == 0
        }, "\(forwarder.log)")
        forwarder.signal(SIGTERM)
        #expect(forwarder.wait(timeout: 30) == 0)
        ingest.signal(SIGTERM)
        #expect(ingest.wait(timeout: 30) == 0)
        #expect(forwarder.log.contains("Kafka brokers reachable"))

        // 1 gap record (the evicted early frames) + the 50 newest early frames + the late ones, in sequence order.
        let evicted = Int(earlySent) - 50
        let records = try consumeDecode(broker: broker, topic: "dhcpkit.messages", count: 1 + 50 + Int(lateSent), timeout: 60, settle: 1)
        try #require(records.count == 1 + 50 + Int(lateSent), "read \(records.count) records")
        let gap = records[0]
        #expect(gap["decoded"]?["class"]?.stringValue == "UnknownKafkaMessage", "dhcpkit-kafka skips our gap record")
        #expect(gap["decoded"]?["kafka_type"]?.intValue == 200)
        let gapFrame = try #require(try KafkaMessageRegistry.dhcpKafka.decodeFrame(hexBytes(gap["value"]?.stringValue ?? "")) as? GapKafkaMessage)
        #expect(gapFrame.firstSequence == 1 && gapFrame.lastSequence == UInt64(evicted) && gapFrame.frames == UInt64(evicted))
        #expect(gapFrame.serverName == "relay01.example.net")
        let frames = records.dropFirst()
        #expect(frames.allSatisfy { $0["decoded"]?["class"]?.stringValue == "DHCPKafkaMessage" && $0["roundtrip"] == .bool(true) })
        let sequences = frames.compactMap { line -> Int? in
            let pair = line["header_list"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue == "dhcpkafka-sequence" }
            return pair?.arrayValue?.last?.stringValue.map { String(decoding: hexBytes($0), as: UTF8.self) }.flatMap { Int($0) }
        }
        #expect(sequences == Array((evicted + 1)...total), "frames arrive once each, in sequence order")
        let sentLate = try String(contentsOfFile: directory.appending("late.0"), encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        let lateIn = frames.filter { $0["decoded"]?["server_name"]?.stringValue == "late" }.compactMap { $0["decoded"]?["timestamp_in"]?.doubleValue }
        #expect(lateIn == sentLate, "every late frame the writer queued arrived, unchanged, in order")
    }

    static func stats(_ spool: String) -> JSONValue? {
        guard let result = try? runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json"]), result.status == 0
        else { return nil }
        return try? JSONValue.parse(result.stdoutText)
    }
}
