import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import Testing

/// What an operator watches: the Prometheus endpoint through a Kafka outage, and systemd's
/// readiness/watchdog notifications.
@Suite(.serialized) struct OperationsTests {
    private func metricsPort(_ daemon: ChildProcess) -> UInt16? {
        // The endpoint starts right after the socket: wait for its log line.
        _ = waitUntil(timeout: 10) { daemon.log.contains("serving metrics") }
        guard let range = daemon.log.range(of: #"url=http://127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression) else { return nil }
        return UInt16(daemon.log[range].split(separator: ":").last?.split(separator: "/").first ?? "")
    }

    private func scrape(_ port: UInt16) throws -> [String: Double] {
        let response = try #require(httpGet(port: port, path: "/metrics"))
        #expect(response.status == 200)
        return parsePrometheus(response.body)
    }

    /// Backlog and oldest-age gauges rise while Kafka is down and fall back to zero once it is
    /// back; broker state and counters follow.
    @Test func metricsFollowAKafkaOutage() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let daemon = try harness.start([
            "--broker", cluster.bootstrapServers, "--metrics-listen", "127.0.0.1:0", "--backoff-max", "1", "--message-timeout", "2",
        ])
        let port = try #require(metricsPort(daemon), "the daemon logs where it serves metrics: \(daemon.log)")
        #expect(httpGet(port: port, path: "/nothing-here")?.status == 404)
        try cluster.takeBrokerDown(1)
        let writer = try harness.writer(name: "w", frames: 2_000, rate: 500)
        // Wait for conditions, not for time: a backlog appears, then it grows and ages past 2.5 s.
        var early: [String: Double] = [:]
        #expect(waitUntil(timeout: 60) {
            early = (try? scrape(port)) ?? [:]
            return (early["dhcpkafka_spool_stored_frames"] ?? 0) > 0
        }, "a backlog appears")
        var late: [String: Double] = [:]
        #expect(waitUntil(timeout: 60) {
            late = (try? scrape(port)) ?? [:]
            return (late["dhcpkafka_spool_stored_frames"] ?? 0) > (early["dhcpkafka_spool_stored_frames"] ?? 0)
                && (late["dhcpkafka_spool_oldest_unsent_age_seconds"] ?? 0) >= 2.5
        }, "backlog grows and ages: \(early) \(late)")
        #expect((late["dhcpkafka_spool_oldest_unsent_age_seconds"] ?? 0) > (early["dhcpkafka_spool_oldest_unsent_age_seconds"] ?? 0))
        #expect(waitUntil(timeout: 15) { (try? scrape(port))?[#"dhcpkafka_broker_state{state="down"}"#] == 1 }, "the broker shows down")
        try cluster.setBrokerUp(1)
        #expect(writer.wait(timeout: 120) == 0)
        #expect(waitUntil(timeout: 120) {
            guard let after = try? scrape(port) else { return false }
            // The broker state comes from the forwarder's status file, written every 2 s: it may lag
            // the drained spool by that much, so wait for it too.
            return after["dhcpkafka_spool_stored_frames"] == 0 && after["dhcpkafka_forwarded_frames_total"] == 2_000
                && after[#"dhcpkafka_broker_state{state="up"}"#] == 1
        }, "the backlog drains: \(String(describing: try? scrape(port)))")
        let after = try scrape(port)
        #expect(after["dhcpkafka_spool_oldest_unsent_age_seconds"] == 0)
        #expect(after["dhcpkafka_accepted_frames_total"] == 2_000)
        // The broker state comes from forwarder.status, which the forwarder rewrites every 2 s: the
        // backlog can drain before the next write says "up" (seen under load).
        #expect(waitUntil(timeout: 60) { (try? scrape(port))?[#"dhcpkafka_broker_state{state="up"}"#] == 1 },
                "the broker shows up again: \(String(describing: try? scrape(port)))")
        #expect(after["dhcpkafka_forwarder_up"] == 1)
        #expect(after["dhcpkafka_forwarder_in_flight_window_frames"] == 10_000)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }

    /// A metrics address that cannot be used stops the daemon at start with a clear message.
    @Test func refusesABadMetricsAddress() throws {
        let harness = try DaemonHarness()
        let result = try runProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.socket, "--spool", harness.spool, "--no-forward", "--metrics-listen", "9464"])
        #expect(result.status == 2)
        #expect(result.stderrText.contains("--metrics-listen: '9464' is not an address to listen on"), "\(result.stderrText)")
    }

    /// Started with NOTIFY_SOCKET and WATCHDOG_USEC (as systemd does for Type=notify with
    /// WatchdogSec=), the daemon hands its socket to the descriptor store, says READY=1 once it receives, feeds the watchdog, and says
    /// STOPPING=1 on SIGTERM.
    @Test func notifiesSystemd() throws {
        let harness = try DaemonHarness()
        let notifyPath = harness.directory.appending("notify.sock")
        let listener = bindUnixDatagramSocket(at: notifyPath)
        try #require(listener >= 0)
        defer { close(listener) }
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        func next() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(listener, $0.baseAddress, $0.count, 0) }
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.socket, "--spool", harness.spool, "--no-forward"],
            logPath: harness.directory.appending("daemon.log"),
            environment: ["NOTIFY_SOCKET": notifyPath, "WATCHDOG_USEC": "2000000"])
        // The supervising parent offers the socket it bound to the descriptor store first, then the
        // ingest worker says it is ready.
        let stored = try #require(next(), "a notification arrives")
        #expect(stored.contains("FDSTORE=1") && stored.contains("FDNAME=ingest"), "\(stored)")
        let ready = try #require(next(), "a second notification arrives")
        #expect(ready.contains("READY=1"), "\(ready)")
        #expect(socketExists(harness.socket), "ready only once the socket receives")
        var sawWatchdog = false
        for _ in 0..<5 where !sawWatchdog { sawWatchdog = next()?.contains("WATCHDOG=1") ?? false }
        #expect(sawWatchdog, "the watchdog is fed while ingest makes progress")
        daemon.signal(SIGTERM)
        var sawStopping = false
        for _ in 0..<5 where !sawStopping { sawStopping = next()?.contains("STOPPING=1") ?? false }
        #expect(sawStopping)
        #expect(daemon.wait(timeout: 20) == 0)
    }
}
