import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import JSONValue
import Testing

/// The sink layer against an independent Kafka implementation: our `KafkaProducer` (in the
/// `sink-probe` child process, running librdkafka 2.16 from the confluent-kafka wheel) produces the
/// fixture frames to tansu, and confluent-kafka reads them back and decodes them with the original
/// dhcpkit-kafka 1.0.0 (`Tests/interop-python/consume_decode.py`).
@Suite("Interop with tansu, an independent Kafka-compatible broker", .serialized, .heavy)
struct TansuInteropTests {
    /// Supported-version check (README, docs/forwarder.md "Supported librdkafka and brokers"):
    /// librdkafka 2.16 with tansu is a supported combination.
    @Test("supported: librdkafka 2.16 with tansu, fixture frames byte-identical with key, headers and timestamp, decoded by dhcpkit-kafka")
    func fixtureFramesThroughTansu() throws {
        let directory = try TemporaryDirectory(prefix: "dhcpkafka-tansu-interop")
        let broker = try TansuBroker(logDirectory: directory.path)
        defer { broker.stop() }
        let topic = "dhcpkit.messages"
        #expect(try broker.createTopic(topic, partitions: 1) == [0])

        let frames = fixtureFrames()
        try #require(frames.count == 26)
        #expect(frames.filter { $0.bytes.first == 1 }.count == 25)
        #expect(frames.contains { $0.bytes.first == 7 })  // the UnknownKafkaMessage edge case
        let records = frames.enumerated().map { ProbeRecord(index: $0.offset, frame: $0.element) }
        let input = directory.appending("records.jsonl")
        try records.map(\.json.compactText).joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)

        let summary = try runSinkProbe(broker: broker, topic: topic, input: input, runtime: .wheel, timeout: 60)
        #expect(summary.status == 0, "sink-probe: \(summary.text)\ntansu: \(broker.log)")
        #expect(summary.json["librdkafka_version"]?.stringValue?.hasPrefix("2.16.") == true, "\(summary.text)")
        #expect(summary.json["librdkafka_library"]?.stringValue?.contains("confluent_kafka.libs") == true)
        #expect(summary.json["delivered"]?.intValue == 26)
        #expect(summary.json["failed"]?.intValue == 0)
        let reported = summary.json["reports"]?.arrayValue ?? []
        #expect(reported.map { $0["offset"]?.intValue } == (0..<26).map { Int64($0) })
        #expect(reported.allSatisfy { $0["partition"]?.intValue == 0 && $0["error"]?.isNull == true })

        // --settle: keep reading for a moment, so a duplicated record would show up as a 27th.
        let consumed = try consumeDecode(broker: broker, topic: topic, count: 26, timeout: 60, settle: 1)
        try #require(consumed.count == 26, "consume_decode read \(consumed.count) records")
        for (record, line) in zip(records, consumed) {
            let frame = record.frame
            #expect(line["partition"]?.intValue == 0)
            #expect(line["offset"]?.intValue == Int64(record.index))
            #expect(line["value"]?.stringValue == hexString(frame.bytes), "\(frame.name)")
            #expect(line["decode_error"]?.isNull == true, "\(frame.name): \(line["decode_error"]?.stringValue ?? "")")
            #expect(line["roundtrip"] == .bool(true), "\(frame.name): dhcpkit-kafka save() differs")
            #expect(line["key"] == (record.key.map { .string(hexString($0)) } ?? .null), "\(frame.name)")
            #expect(line["timestamp"]?.intValue == record.timestamp, "\(frame.name)")
            #expect(line["timestamp_type"]?.stringValue == "create")
            let headers = line["header_list"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(headers == record.headers.map { [$0.0, hexString($0.1)] }, "\(frame.name)")

            // What dhcpkit-kafka decoded must match what DHCPKafkaWire decodes from the fixture.
            let decoded = line["decoded"]
            switch try KafkaMessageRegistry.standard.decodeFrame(frame.bytes) {
            case let message as DHCPKafkaMessage:
                #expect(decoded?["class"]?.stringValue == "DHCPKafkaMessage", "\(frame.name)")
                #expect(decoded?["server_name"]?.stringValue == message.serverName, "\(frame.name)")
                #expect(decoded?["server_name"]?.stringValue == frame.serverName, "\(frame.name)")
                #expect(decoded?["message_in_type"]?.intValue == message.messageIn.map { Int64($0.messageType.rawValue) })
                #expect(
                    decoded?["message_out_type"]?.intValue == message.messageOut.map { Int64($0.messageType.rawValue) })
                #expect(decoded?["timestamp_in_bits"]?.stringValue == doubleBits(message.timestampIn))
                #expect(decoded?["timestamp_out_bits"]?.stringValue == doubleBits(message.timestampOut))
            case let message as UnknownKafkaMessage:
                #expect(decoded?["class"]?.stringValue == "UnknownKafkaMessage", "\(frame.name)")
                #expect(decoded?["kafka_type"]?.intValue == Int64(message.messageType))
                #expect(decoded?["data"]?.stringValue == hexString(message.data))
            default:
                Issue.record("\(frame.name): unexpected frame type")
            }
        }
        #expect(broker.isRunning, "tansu died: \(broker.log)")
    }

    /// Supported-version check (README, docs/forwarder.md "Supported librdkafka and brokers"):
    /// Debian's librdkafka 2.0.2 with tansu is documented as not supported, and this is why: it
    /// cannot parse tansu's responses, so nothing is delivered and every record times out. If a
    /// change makes this combination work, this test fails: update the compatibility table then.
    @Test("not supported: librdkafka 2.0.2 (Debian) with tansu, nothing is delivered and records time out")
    func debianLibrdkafkaFails() throws {
        let directory = try TemporaryDirectory(prefix: "dhcpkafka-tansu-interop")
        let broker = try TansuBroker(logDirectory: directory.path)
        defer { broker.stop() }
        let topic = "dhcpkit.messages"
        try broker.createTopic(topic, partitions: 1)
        let input = directory.appending("frames.hex")
        try fixtureFrames().prefix(3).map { hexString($0.bytes) }.joined(separator: "\n")
            .write(toFile: input, atomically: true, encoding: .utf8)

        let summary = try runSinkProbe(
            broker: broker, topic: topic, input: input, runtime: .debian, timeout: 20, messageTimeoutMs: 3000)
        #expect(summary.status == 1, "\(summary.text)")
        #expect(summary.json["librdkafka_version"]?.stringValue?.hasPrefix("2.0.") == true, "\(summary.text)")
        #expect(summary.json["librdkafka_library"]?.stringValue?.contains("confluent_kafka") == false)
        #expect(summary.json["delivered"]?.intValue == 0)
        #expect(summary.json["failed"]?.intValue == 3)
        #expect(summary.json["errors"]?["_MSG_TIMED_OUT"]?.intValue == 3, "\(summary.text)")
        let log = (summary.json["log"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n")
        #expect(log.contains("underflow"), "librdkafka 2.0.2's log: \(log)")
        #expect(summary.json["broker_state"]?.stringValue?.hasPrefix("down") == true, "\(summary.text)")

        // The broker itself is fine: it answers, and has nothing in the topic.
        let consumed = try consumeDecode(broker: broker, topic: topic, count: 1, timeout: 3, allowShort: true)
        #expect(consumed.isEmpty)
    }
}

// MARK: - Helpers

/// One fixture frame with the name and server name from its `# ` comments.
struct TansuFixtureFrame {
    let name: String
    let serverName: String?
    let bytes: [UInt8]
}

/// The frames of `Fixtures/frames/all.hex` in file order.
func fixtureFrames() -> [TansuFixtureFrame] {
    let url = TestPaths.fixtures.appendingPathComponent("frames/all.hex")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        preconditionFailure("cannot read fixture \(url.path)")
    }
    var frames: [TansuFixtureFrame] = []
    var name = "?"
    var serverName: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("# frame ") {
            name = String(line.dropFirst("# frame ".count).split(separator: " ").first ?? "?")
            serverName = nil
        } else if line.hasPrefix("# server-name:") {
            serverName = String(line.dropFirst("# server-name:".count).drop { $0 == " " })
        } else if !line.hasPrefix("#"), !line.isEmpty {
            frames.append(TansuFixtureFrame(name: name, serverName: serverName, bytes: hexBytes(String(line))))
        }
    }
    return frames
}

/// A frame with the key, headers and timestamp the test gives it.
struct ProbeRecord {
    let index: Int
    let frame: TansuFixtureFrame
    let key: [UInt8]?
    let headers: [(String, [UInt8])]
    let timestamp: Int64

    init(index: Int, frame: TansuFixtureFrame) {
        self.index = index
        self.frame = frame
        // Key: the server name, as a forwarder keying by server would; none for other frame types
        // (and for the empty name), so null keys are covered too.
        let name = Array((frame.serverName ?? "").utf8)
        key = name.isEmpty ? nil : name
        // Binary, empty and repeated headers.
        headers = [
            ("dhcpkafka-frame", Array(frame.name.utf8)), ("dhcpkafka-seq", [0, 0, 0, UInt8(index)]), ("empty", []),
            ("dup", [1]), ("dup", [2, 0xFF]),
        ]
        timestamp = 1_795_555_000_000 + Int64(index) * 1_001
    }

    var json: JSONValue {
        .object([
            ("value", .string(hexString(frame.bytes))),
            ("key", key.map { .string(hexString($0)) } ?? .null),
            ("headers", .array(headers.map { .array([.string($0.0), .string(hexString($0.1))]) })),
            ("timestamp", .int(timestamp)),
        ])
    }
}

/// Which librdkafka the probe runs with.
enum LibrdkafkaRuntime {
    /// librdkafka 2.16 from the confluent-kafka wheel (``TestPaths/librdkafkaRuntimeEnvironment``).
    case wheel
    /// Debian's librdkafka 2.0.2, the one the code is linked against.
    case debian
}

/// `sink-probe`'s exit status and JSON summary.
struct ProbeSummary {
    let status: Int32
    let text: String
    let json: JSONValue
}

func runSinkProbe(
    broker: TansuBroker, topic: String, input: String, runtime: LibrdkafkaRuntime, timeout: Double,
    messageTimeoutMs: Int = 20_000
) throws -> ProbeSummary {
    let environment: [String: String]
    switch runtime {
    case .wheel:
        let library = TestPaths.librdkafkaRuntime.appendingPathComponent("librdkafka.so.1").path
        guard FileManager.default.fileExists(atPath: library) else {
            throw SubprocessError(description: "no \(library): run `.ci/bootstrap deps` to link it")
        }
        environment = TestPaths.librdkafkaRuntimeEnvironment
    case .debian:
        environment = ["LD_LIBRARY_PATH": ""]
    }
    let result = try runProcess(
        TestPaths.sinkProbe,
        [
            broker.bootstrapServers, topic, input, "--timeout", String(timeout), "--message-timeout-ms",
            String(messageTimeoutMs), "--property", "reconnect.backoff.max.ms=500",
        ],
        environment: environment, timeout: timeout + 30)
    let text = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    guard let json = try? JSONValue.parse(text) else {
        throw SubprocessError(
            description: "sink-probe exited \(result.status) without a JSON summary: \(text)\n\(result.stderrText)")
    }
    return ProbeSummary(status: result.status, text: text, json: json)
}

/// Runs `consume_decode.py` and returns its JSON lines (one per record).
func consumeDecode(
    broker: TansuBroker, topic: String, count: Int, timeout: Double, settle: Double = 0, allowShort: Bool = false
) throws -> [JSONValue] {
    let script = TestPaths.interopScripts.appendingPathComponent("consume_decode.py").path
    let result = try runProcess(
        TestPaths.python,
        [script, broker.bootstrapServers, topic, String(count), String(timeout), "--settle", String(settle)],
        currentDirectory: TestPaths.interopScripts, timeout: timeout + settle + 60)
    guard result.status == 0 || (allowShort && result.status == 1) else {
        throw SubprocessError(description: "consume_decode.py exited \(result.status): \(result.stderrText)")
    }
    return try result.stdoutText.split(separator: "\n").map { try JSONValue.parse(String($0)) }
}

/// The IEEE 754 bits of `value`, big-endian hex, as `struct.pack("!d", v).hex()` writes them.
func doubleBits(_ value: Double) -> String {
    hexString(withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) })
}
