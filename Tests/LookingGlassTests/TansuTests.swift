import DHCPKafkaTestSupport
import Foundation
import JSONValue
import LookingGlassStore
import Testing

/// The looking glass against an independent broker: the relay publishes to tansu, the collector
/// joins a consumer group there (both on librdkafka 2.16: Debian's 2.0.2 cannot talk to tansu).
@Suite(.serialized, .heavy) struct TansuTests {
    @Test func collectsFromTansuThroughAConsumerGroup() throws {
        let dir = try TemporaryDirectory(prefix: "lg-tansu")
        defer { dir.remove() }
        let broker = try TansuBroker(logDirectory: dir.path)
        defer { broker.stop() }
        #expect(try broker.createTopic("dhcpkit.messages", partitions: 2) == [0, 1])
        let socket = dir.appending("ingest.sock")
        let relay = try ChildProcess(
            TestPaths.dhcpkafka,
            ["run", "--socket", socket, "--spool", dir.appending("spool"), "--capacity", "16MiB", "--broker",
             broker.bootstrapServers],
            logPath: dir.appending("relay.log"), environment: TestPaths.librdkafkaRuntimeEnvironment)
        defer { relay.killHard() }
        #expect(waitUntil(timeout: 60) { socketExists(socket) || !relay.process.isRunning }, "relay: \(relay.log)")
        let port = freeLocalPort()
        let glass = try ChildProcess(
            RelayCrashTests.lookingGlass,
            ["--broker", broker.bootstrapServers, "--db", dir.appending("lg.sqlite"), "--listen", "127.0.0.1:\(port)"],
            logPath: dir.appending("lg.log"), environment: TestPaths.librdkafkaRuntimeEnvironment,
            standardOutputToLog: true)
        defer { glass.killHard() }
        let sent = try runProcess(
            TestPaths.dhcpkafka,
            ["send", "--socket", socket, "--frames", "300", "--rate", "1000", "--server-name", "tansu-test", "--json"],
            timeout: 120)
        #expect(sent.status == 0)
        // Under load a writer may drop (and count) a frame: expect exactly what it queued.
        let queued = Int(try JSONValue.parse(sent.stdoutText)["sent"]?.intValue ?? 0)
        #expect(queued > 250)
        #expect(waitUntil(timeout: 180) {
            guard let answer = httpGet(port: port, path: "/metrics") else { return false }
            return Int(parsePrometheus(answer.body)["lookingglass_store_transactions"] ?? 0) >= queued
        }, "looking glass: \(glass.log)\nbroker: \(broker.log.suffix(2000))")
        glass.signal(SIGTERM)
        #expect(glass.wait(timeout: 60) == 0, "\(glass.log)")
        let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
        #expect(try store.statistics().transactions == queued)
    }
}
