import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import LookingGlassStore
import Testing

/// The real `dhcpkafka-lookingglass` process: SIGTERM with a live-tail client connected ends it
/// (the open Server-Sent Events stream used to hold the web server's graceful shutdown open), keeps
/// every stored transaction, and commits what it stored, so a restart stores nothing twice.
@Suite(.serialized, .heavy) struct ShutdownTests {
    /// An open `GET /api/stream` connection that is never read to its end.
    final class LiveTailClient {
        let fd: Int32

        init?(port: UInt16) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let request = "GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
            guard connected == 0, request.withCString({ send(fd, $0, strlen($0), 0) }) > 0 else {
                close(fd)
                return nil
            }
        }

        /// Reads what has arrived so far (waits up to 1 s for something).
        func read() -> String {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) > 0 else { return "" }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }

        deinit { close(fd) }
    }

    func stored(_ port: UInt16) -> Int? {
        guard let answer = httpGet(port: port, path: "/metrics"), answer.status == 200 else { return nil }
        return parsePrometheus(answer.body)["lookingglass_store_transactions"].map { Int($0) }
    }

    @Test func sigtermWithALiveTailOpenExitsAndKeepsEverything() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 2)
        let dir = try TemporaryDirectory(prefix: "lg-sigterm")
        defer { dir.remove() }
        let port = freeLocalPort()
        let arguments = ["--broker", cluster.bootstrapServers, "--db", dir.appending("lg.sqlite"), "--listen", "127.0.0.1:\(port)"]
        var glass = try ChildProcess(
            RelayCrashTests.lookingGlass, arguments, logPath: dir.appending("lg-1.log"), standardOutputToLog: true)
        defer { glass.killHard() }
        #expect(waitUntil(timeout: 120) { stored(port) != nil }, "\(glass.log)")
        var tail: LiveTailClient?
        #expect(waitUntil(timeout: 60) {
            tail = LiveTailClient(port: port)
            return tail.map { $0.read().contains("200 OK") } ?? false
        }, "\(glass.log)")
        try CollectorTests.produce(cluster, CollectorTests.relayRecords(0..<200))
        #expect(waitUntil(timeout: 120) { stored(port) == 200 }, "\(glass.log)")
        // The live tail saw transactions arrive: the stream is open and in use.
        var seen = ""
        #expect(waitUntil(timeout: 60) {
            seen += tail?.read() ?? ""
            return seen.contains("data: {")
        })
        glass.signal(SIGTERM)
        // A generous deadline for a loaded machine; before the fix it never exited while the tail was open.
        #expect(glass.wait(timeout: 60) == 0, "\(glass.log)")
        #expect(try SQLiteStore(path: dir.appending("lg.sqlite")).statistics().transactions == 200)

        // Restarted in the same group: the offsets were committed, nothing is stored twice, new records are.
        try CollectorTests.produce(cluster, CollectorTests.relayRecords(200..<250))
        glass = try ChildProcess(
            RelayCrashTests.lookingGlass, arguments, logPath: dir.appending("lg-2.log"), standardOutputToLog: true)
        #expect(waitUntil(timeout: 120) { stored(port) == 250 }, "\(glass.log)")
        let metrics = httpGet(port: port, path: "/metrics").map { parsePrometheus($0.body) } ?? [:]
        #expect(metrics["lookingglass_transactions_duplicate_total"] == 0, "\(metrics)")
        glass.signal(SIGTERM)
        #expect(glass.wait(timeout: 60) == 0, "\(glass.log)")
        #expect(try SQLiteStore(path: dir.appending("lg.sqlite")).statistics().transactions == 250)
    }

    @Test func versionMatchesTheRelay() throws {
        let glass = try runProcess(RelayCrashTests.lookingGlass, ["--version"], timeout: 60)
        let relay = try runProcess(TestPaths.dhcpkafka, ["--version"], timeout: 60)
        #expect(glass.status == 0 && relay.status == 0)
        #expect(!glass.stdoutText.isEmpty)
        #expect(glass.stdoutText == relay.stdoutText)
    }
}
