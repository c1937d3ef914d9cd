import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// The whole relay against an independent broker: writers → `dhcpkafka run` (ingest) and
/// `dhcpkafka forward` (on librdkafka 2.16) → tansu → confluent-kafka → dhcpkit-kafka 1.0.0.
@Suite("The daemon forwarding to tansu", .serialized, .heavy)
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
        #expect(waitUntil(timeout: 60) { socketExists(socket) })
        let early = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "200", "--rate", "2000", "--server-name", "early",
                                  "--log", directory.appending("early"), "--json"])
        #expect(early.status == 0)
        let earlySent = try JSONValue.parse(early.stdoutText)["sent"]?.intValue ?? 0
        #expect(earlySent > 150, "enough early frames to overflow the 50-frame ring")
        #expect(waitUntil(timeout: 60) { Self.stats(spool)?["accepted"]?.intValue == earlySent })

        // The forwarder on the librdkafka 2.16 runtime (2.0.2 cannot talk to tansu).
        let forwarder = try ChildProcess(
            TestPaths.dhcpkafka, ["forward", "--spool", spool, "--broker", broker.bootstrapServers, "--server-name", "relay01.example.net"],
            logPath: directory.appending("forward.log"), environment: TestPaths.librdkafkaRuntimeEnvironment)
        // Before it produces anything the forwarder reads back what tansu holds of this spool (about
        // a second); the late frames come after that, so the 50-frame ring does not evict them meanwhile.
        #expect(waitUntil(timeout: 60) { forwarder.log.contains("beyond the acknowledged watermark") }, "\(forwarder.log)")
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
        #expect(forwarder.wait(timeout: 60) == 0)
        ingest.signal(SIGTERM)
        #expect(ingest.wait(timeout: 60) == 0)
        #expect(forwarder.log.contains("Kafka brokers reachable"))

        // What the forwarder published: every surviving frame, and a gap record for every evicted run
        // (the early frames beyond the 50-frame ring, and any late ones evicted while the forwarder
        // was still connecting). Together they must cover sequences 1…total exactly once, in order.
        let final = try #require(Self.stats(spool))
        let forwarded = Int(final["forwarded"]?.intValue ?? 0)
        let gapRecords = Int(final["gap_records"]?.intValue ?? 0)
        #expect(gapRecords >= 1 && forwarded >= 50)
        let records = try consumeDecode(broker: broker, topic: "dhcpkit.messages", count: forwarded + gapRecords, timeout: 60, settle: 1)
        try #require(records.count == forwarded + gapRecords, "read \(records.count) records")
        var nextSequence: UInt64 = 1
        var lateIn: [Double] = []
        for line in records {
            let value = hexBytes(line["value"]?.stringValue ?? "")
            if line["decoded"]?["class"]?.stringValue == "UnknownKafkaMessage" {
                #expect(line["decoded"]?["kafka_type"]?.intValue == 200, "dhcpkit-kafka skips our gap record")
                let gap = try #require(try KafkaMessageRegistry.dhcpKafka.decodeFrame(value) as? GapKafkaMessage)
                #expect(gap.firstSequence == nextSequence && gap.frames == gap.lastSequence - gap.firstSequence + 1)
                #expect(gap.serverName == "relay01.example.net")
                nextSequence = gap.lastSequence + 1
                continue
            }
            #expect(line["decoded"]?["class"]?.stringValue == "DHCPKafkaMessage" && line["roundtrip"] == .bool(true))
            let pair = line["header_list"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue == "dhcpkafka-sequence" }
            let sequence = pair?.arrayValue?.last?.stringValue.map { String(decoding: hexBytes($0), as: UTF8.self) }.flatMap { UInt64($0) }
            #expect(sequence == nextSequence, "frames and gap records cover every sequence once, in order")
            nextSequence = (sequence ?? nextSequence) + 1
            if line["decoded"]?["server_name"]?.stringValue == "late", let t = line["decoded"]?["timestamp_in"]?.doubleValue { lateIn.append(t) }
        }
        #expect(nextSequence == UInt64(total) + 1, "nothing missing at the end")
        #expect(records.first?["decoded"]?["class"]?.stringValue == "UnknownKafkaMessage", "the evicted early frames come first, as a gap")
        let sentLate = try String(contentsOfFile: directory.appending("late.0"), encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        #expect(Set(lateIn).isSubset(of: Set(sentLate)) && lateIn == lateIn.sorted(), "late frames arrive unchanged, in the order sent")
        #expect(lateIn.count > Int(lateSent) / 2, "most late frames were forwarded, not evicted")
    }

    static func stats(_ spool: String) -> JSONValue? {
        guard let result = try? runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json", "--interval", "0"]), result.status == 0
        else { return nil }
        return try? JSONValue.parse(result.stdoutText)
    }
}
