import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// The forwarder on librdkafka 2.16 SIGKILLed again and again while it forwards to tansu under
/// load: every frame reaches Kafka exactly once (docs/forwarder.md, "No duplicates after a restart").
@Suite("Forwarder crashes against tansu", .serialized, .heavy)
struct TansuCrashTests {
    @Test("SIGKILLed forwarders leave nothing twice and nothing missing in tansu")
    func sigkillTheForwarderAgainstTansu() throws {
        let directory = try TemporaryDirectory(prefix: "dhcpkafka-tansu-crash")
        let broker = try TansuBroker(logDirectory: directory.path)
        defer { broker.stop() }
        #expect(try broker.createTopic("dhcpkit.messages", partitions: 3) == [0, 1, 2])
        let socket = directory.appending("ingest.sock")
        let spool = directory.appending("spool")
        let ingest = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", socket, "--spool", spool],
            logPath: directory.appending("ingest.log"))
        defer { ingest.signal(SIGTERM); ingest.wait(timeout: 30) }
        // The socket appears (held by run's supervising parent) before the ingest worker made the
        // spool: a forwarder started in between exits with "no spool" and a round is wasted.
        #expect(waitUntil(timeout: 60) { socketExists(socket) && DaemonThroughTansuTests.stats(spool) != nil })
        // 60 s of frames, so that every one of the 12 rounds has new frames to forward even when a
        // loaded machine makes each forwarder start slowly.
        let writer = try ChildProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", "9000", "--rate", "150", "--log", directory.appending("w")],
            logPath: directory.appending("writer.log"))
        let arguments = ["forward", "--spool", spool, "--broker", broker.bootstrapServers, "--max-in-flight-frames", "200"]
        var rng = SplitMix64(seed: 0x7A45)
        var lastWatermark: Int64 = 0
        var kills = 0
        for round in 0..<12 {
            let forwarder = try ChildProcess(
                TestPaths.dhcpkafka, arguments, logPath: directory.appending("forward-\(round).log"),
                environment: TestPaths.librdkafkaRuntimeEnvironment)
            let progressed = waitUntil(timeout: 90) { (Self.watermark(spool) ?? 0) > lastWatermark }
            usleep(UInt32.random(in: 0...200_000, using: &rng))
            let alive = forwarder.process.isRunning
            forwarder.killHard()
            if progressed && alive { kills += 1 }
            #expect(progressed && alive, "round \(round): no progress before the kill: \(forwarder.log)")
            lastWatermark = Self.watermark(spool) ?? lastWatermark
        }
        let forwarder = try ChildProcess(
            TestPaths.dhcpkafka, arguments, logPath: directory.appending("forward-final.log"),
            environment: TestPaths.librdkafkaRuntimeEnvironment)
        #expect(writer.wait(timeout: 120) == 0)
        let sent = try String(contentsOfFile: directory.appending("w.0"), encoding: .utf8).split(separator: "\n").count
        #expect(sent > 8_900, "the writer sent (and counted) its frames: \(sent)")
        #expect(waitUntil(timeout: 120) {
            let stats = DaemonThroughTansuTests.stats(spool)
            return stats?["accepted"]?.intValue == Int64(sent) && stats?["stored_frames"]?.intValue == 0
        }, "\(forwarder.log)")
        let identity = try #require(DaemonThroughTansuTests.stats(spool)?["spool_identity"]?.stringValue)
        forwarder.signal(SIGTERM)
        #expect(forwarder.wait(timeout: 60) == 0)

        let records = try consumeDecode(broker: broker, topic: "dhcpkit.messages", count: sent, timeout: 90, settle: 3)
        var copies: [UInt64: Int] = [:]
        for line in records {
            func header(_ name: String) -> String? {
                let pair = line["header_list"]?.arrayValue?.first { $0.arrayValue?.first?.stringValue == name }
                return pair?.arrayValue?.last?.stringValue.map { String(decoding: hexBytes($0), as: UTF8.self) }
            }
            #expect(header("dhcpkafka-spool") == identity)
            if let sequence = header("dhcpkafka-sequence").flatMap({ UInt64($0) }) { copies[sequence, default: 0] += 1 }
        }
        let missing = (1...UInt64(sent)).filter { copies[$0] == nil }
        let duplicated = copies.filter { $0.value > 1 }.count
        print("tansu crash test: \(kills) SIGKILLs mid-work, \(sent) frames, \(records.count) records, \(duplicated) duplicated, \(missing.count) missing")
        #expect(kills >= 10, "\(kills) SIGKILLs hit a forwarder in the middle of its work")
        #expect(missing.isEmpty, "\(missing.count) sequences missing, first \(missing.prefix(5))")
        let scans = (0..<12).map { round in
            let log = (try? String(contentsOfFile: directory.appending("forward-\(round).log"), encoding: .utf8)) ?? ""
            return log.split(separator: "\n").filter { $0.contains("beyond the acknowledged watermark") }.joined(separator: "\n")
        }
        #expect(duplicated == 0, "\(duplicated) sequences reached tansu more than once: \(copies.filter { $0.value > 1 }.keys.sorted().prefix(20)); scans:\n\(scans.joined(separator: "\n"))")
        #expect(records.count == sent)
    }

    static func watermark(_ spool: String) -> Int64? { DaemonThroughTansuTests.stats(spool)?["acked_watermark"]?.intValue }
}
