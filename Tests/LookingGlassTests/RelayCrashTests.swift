import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import LookingGlassStore
import Testing

/// The real relay (`dhcpkafka run` fed by `dhcpkafka send`) publishing to the mock cluster, and the
/// real `dhcpkafka-lookingglass` process SIGKILLed while it stores.
@Suite(.serialized, .heavy) struct RelayCrashTests {
    static var lookingGlass: URL { TestPaths.buildProducts.appendingPathComponent("dhcpkafka-lookingglass") }

    func startLookingGlass(_ dir: TemporaryDirectory, broker: String, port: UInt16, log: String) throws -> ChildProcess {
        try ChildProcess(
            Self.lookingGlass,
            ["--broker", broker, "--db", dir.appending("lg.sqlite"), "--listen", "127.0.0.1:\(port)"],
            logPath: dir.appending(log), standardOutputToLog: true)
    }

    func storedTransactions(port: UInt16) -> Int? {
        guard let answer = httpGet(port: port, path: "/metrics"), answer.status == 200 else { return nil }
        return parsePrometheus(answer.body)["lookingglass_store_transactions"].map { Int($0) }
    }

    @Test func everyTransactionStoredExactlyOnceAfterKill9UnderLoad() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3)
        let dir = try TemporaryDirectory(prefix: "lg-crash")
        defer { dir.remove() }
        let socket = dir.appending("ingest.sock")
        let relay = try ChildProcess(
            TestPaths.dhcpkafka,
            ["run", "--socket", socket, "--spool", dir.appending("spool"), "--capacity", "64MiB", "--broker",
             cluster.bootstrapServers],
            logPath: dir.appending("relay.log"))
        defer { relay.killHard() }
        #expect(waitUntil(timeout: 60) { socketExists(socket) || !relay.process.isRunning }, "relay: \(relay.log)")
        let port = freeLocalPort()
        var glass = try startLookingGlass(dir, broker: cluster.bootstrapServers, port: port, log: "lg-1.log")
        let frames = 4000
        let sender = try ChildProcess(
            TestPaths.dhcpkafka,
            ["send", "--socket", socket, "--frames", String(frames), "--rate", "1000", "--server-name", "crash-test", "--json"],
            logPath: dir.appending("send.log"))
        // Kill it while it is storing: some stored, not all.
        #expect(waitUntil(timeout: 120) { (storedTransactions(port: port) ?? 0) >= 500 }, "looking glass: \(glass.log)")
        glass.killHard()
        #expect(sender.wait(timeout: 120) == 0, "send: \(sender.log)")
        // Under load a writer may drop (and count) a frame: expect exactly what it queued.
        let queued = Int(try JSONValue.parse(sender.standardOutput())["sent"]?.intValue ?? 0)
        #expect(queued > frames / 2)
        glass = try startLookingGlass(dir, broker: cluster.bootstrapServers, port: port, log: "lg-2.log")
        defer { glass.killHard() }
        #expect(waitUntil(timeout: 180) { (storedTransactions(port: port) ?? 0) >= queued }, "looking glass: \(glass.log)")
        // Nothing more arrives late: the count stays exactly at the number sent.
        glass.signal(SIGTERM)
        #expect(glass.wait(timeout: 60) == 0, "looking glass: \(glass.log)")
        let store = try SQLiteStore(path: dir.appending("lg.sqlite"))
        #expect(try store.statistics().transactions == queued)
        #expect(try store.servers(now: Date().timeIntervalSince1970).map(\.name) == ["crash-test"])
    }
}
