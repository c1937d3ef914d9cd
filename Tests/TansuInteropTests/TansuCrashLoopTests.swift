import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// Issue 13's crash test against tansu, an independent broker: 50 SIGKILLs of the ingest worker and
/// the forwarder (librdkafka 2.16) at random moments under load, tansu stopped (SIGSTOP) and resumed
/// twice, and every frame whose `send()` succeeded in Kafka exactly once, read back with
/// confluent-kafka (``CrashLoop``). tansu 0.6 keeps its log in memory only (`memory://`; no
/// file or SQLite engine in this build), so a stopped-and-restarted tansu would have lost the
/// topic: a frozen broker is the outage it can honestly give.
@Suite(.serialized, .heavy) struct TansuCrashLoopTests {
    @Test func fiftySigkillsWithBrokerOutagesAgainstTansu() throws {
        let directory = try TemporaryDirectory(prefix: "dk-tansu-crashloop")
        let broker = try TansuBroker(logDirectory: directory.path)
        defer { broker.stop() }
        #expect(try broker.createTopic("dhcpkit.messages", partitions: 3) == [0, 1, 2])
        var loop = CrashLoop(seed: 0x7A45_0050)
        loop.rate = 100
        try loop.run(CrashLoopBroker(
            name: "tansu", bootstrapServers: broker.bootstrapServers, forwarderEnvironment: TestPaths.librdkafkaRuntimeEnvironment,
            takeDown: { broker.child.signal(SIGSTOP) }, bringUp: { broker.child.signal(SIGCONT) },
            readBack: { expected in
                try consumeDecode(broker: broker, topic: "dhcpkit.messages", count: expected, timeout: 180, settle: 3).map { line in
                    func header(_ name: String) -> String {
                        let pair = line["header_list"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue == name }
                        return pair?.arrayValue?.last?.stringValue.map { String(decoding: hexBytes($0), as: UTF8.self) } ?? ""
                    }
                    let bits = line["decoded"]?["timestamp_in_bits"]?.stringValue.flatMap { UInt64($0, radix: 16) }
                    return ReadBackRecord(
                        spool: header("dhcpkafka-spool"), sequence: header("dhcpkafka-sequence"),
                        server: line["decoded"]?["server_name"]?.stringValue ?? "", timestampIn: bits.map { Double(bitPattern: $0) } ?? .nan,
                        partition: Int32(line["partition"]?.intValue ?? -1), offset: line["offset"]?.intValue ?? -1)
                }
            }))
    }
}
