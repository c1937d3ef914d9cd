import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import Testing

/// Every metric the runbook documents, read from a real daemon's endpoint while the faults each
/// one reports actually happen.
@Suite(.serialized) struct MetricsCoverageTests {
    /// Metric names in the runbook's table (`| `name{labels}` | type | … |`), labels removed.
    static func documentedMetrics() throws -> [String: String] {
        let runbook = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/runbook.md"), encoding: .utf8)
        var names: [String: String] = [:]
        for line in runbook.split(separator: "\n") where line.hasPrefix("| `dhcpkafka_") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")).prefix { $0 != "{" }
            names[String(name)] = cells[1]
        }
        return names
    }

    /// Metric names and types from the `# TYPE` lines of a scrape.
    static func exposedMetrics(_ text: String) -> [String: String] {
        var names: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { names[String(parts[2])] = String(parts[3]) }
        }
        return names
    }

    /// Sends raw bytes as one datagram to the daemon's socket.
    static func sendDatagram(_ bytes: [UInt8], to path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        return sent == bytes.count
    }

    static func scrape(_ port: UInt16) -> (text: String, values: [String: Double])? {
        guard let response = httpGet(port: port, path: "/metrics", timeout: 10), response.status == 200 else { return nil }
        return (response.body, parsePrometheus(response.body))
    }

    /// The runbook's table and the endpoint agree: same names, same types.
    @Test func runbookListsExactlyWhatTheEndpointExposes() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--metrics-listen", "127.0.0.1:0"])
        let port = try #require(LifecycleProcessTests.metricsPort(daemon), "\(daemon.log)")
        // A labelled counter appears with its first label value: make one rejection.
        #expect(Self.sendDatagram([0xFF, 0x00], to: harness.socket))
        #expect(waitUntil(timeout: 30) { Self.scrape(port)?.text.contains("dhcpkafka_rejected_frames_total{") == true })
        let exposed = Self.exposedMetrics(try #require(Self.scrape(port)).text)
        let documented = try Self.documentedMetrics()
        #expect(documented.count >= 25, "the runbook table was found: \(documented)")
        #expect(Set(exposed.keys).subtracting(documented.keys).sorted() == [], "exposed but not in docs/runbook.md")
        #expect(Set(documented.keys).subtracting(exposed.keys).sorted() == [], "in docs/runbook.md but not exposed")
        for (name, type) in documented { #expect(exposed[name] == nil || exposed[name] == type, "\(name): documented \(type), exposed \(exposed[name] ?? "")") }
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }

    /// A broker outage with a tiny ring (evictions, gap records, retries), a rejected datagram,
    /// permanent produce errors (dead letters) and a fatal idempotence error (producer restart):
    /// every documented metric is present and each fault shows in its own.
    @Test func everyMetricMovesWithItsFault() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let daemon = try harness.start([
            "--broker", cluster.bootstrapServers, "--metrics-listen", "127.0.0.1:0", "--capacity", "64KiB",
            "--max-frames", "100", "--max-in-flight-frames", "20", "--backoff-max", "1", "--message-timeout", "2",
        ])
        // The outage starts once the forwarder's startup scan is done (before it, nothing is produced
        // and so nothing could time out and be retried).
        #expect(harness.waitForStartupScan(), "\(daemon.log)")
        try cluster.takeBrokerDown(1)
        let port = try #require(LifecycleProcessTests.metricsPort(daemon), "\(daemon.log)")
        func value(_ name: String) -> Double { Self.scrape(port)?.values[name] ?? -1 }
        func drained(accepted: Double) -> Bool {
            guard let values = Self.scrape(port)?.values else { return false }
            return values["dhcpkafka_accepted_frames_total"] == accepted && values["dhcpkafka_spool_stored_frames"] == 0
        }

        let first = try harness.writer(name: "a", frames: 500, rate: 1_000)
        #expect(first.wait(timeout: 60) == 0)
        #expect(Self.sendDatagram([0xFF, 0x00], to: harness.socket))
        #expect(waitUntil(timeout: 30) { value("dhcpkafka_accepted_frames_total") == 500 }, "\(daemon.log)")
        #expect(waitUntil(timeout: 30) { value(#"dhcpkafka_broker_state{state="down"}"#) == 1 })
        let outage = try #require(Self.scrape(port)).values
        // Evicted frames count as lost only once the gap record covering them is acknowledged
        // (some evicted ones were in flight and may still be delivered): none yet.
        #expect(outage["dhcpkafka_evicted_frames_total"] == 0, "nothing is known lost before a gap record is acknowledged: \(outage)")
        #expect(outage["dhcpkafka_spool_capacity_bytes"] == 65_536)
        #expect((outage["dhcpkafka_spool_stored_frames"] ?? 0) > 0 && (outage["dhcpkafka_spool_stored_frames"] ?? 0) <= 100)
        #expect((outage["dhcpkafka_spool_stored_bytes"] ?? 0) > 0 && (outage["dhcpkafka_spool_stored_bytes"] ?? 0) <= 65_536)
        #expect((outage["dhcpkafka_spool_oldest_unsent_age_seconds"] ?? 0) > 0)
        #expect((outage["dhcpkafka_received_frames_total"] ?? 0) == 501, "500 frames and the rejected datagram")
        #expect(outage.contains { $0.key.hasPrefix("dhcpkafka_rejected_frames_total{reason=") && $0.value == 1 }, "\(outage)")
        #expect(outage["dhcpkafka_forwarder_in_flight_window_frames"] == 20)
        #expect(waitUntil(timeout: 30) { value("dhcpkafka_produce_retries_total") >= 1 }, "timed-out records are produced again")

        try cluster.setBrokerUp(1)
        #expect(waitUntil(timeout: 90) { drained(accepted: 500) }, "\(daemon.log)")
        // The forwarder's state and latency reach the daemon through its status file, a moment later.
        #expect(waitUntil(timeout: 30) {
            guard let values = Self.scrape(port)?.values else { return false }
            return values[#"dhcpkafka_broker_state{state="up"}"#] == 1 && (values["dhcpkafka_forwarder_delivery_latency_p99_seconds"] ?? 0) > 0
        }, "\(String(describing: Self.scrape(port)?.values))")
        let recovered = try #require(Self.scrape(port)).values
        #expect((recovered["dhcpkafka_gap_records_total"] ?? 0) >= 1, "evicted ranges became gap records: \(recovered)")
        // 500 frames through a 100-frame ring with at most 20 in flight at a time: most were evicted
        // before they were ever produced (300 leaves room for the window moving during retries).
        #expect((recovered["dhcpkafka_evicted_frames_total"] ?? 0) >= 300, "the 100-frame ring lost frames: \(recovered)")
        #expect((recovered["dhcpkafka_forwarded_frames_total"] ?? 0) >= 1)
        #expect((recovered["dhcpkafka_forwarder_delivery_latency_p99_seconds"] ?? 0) > 0)
        #expect((recovered["dhcpkafka_spool_commit_latency_p99_seconds"] ?? 0) > 0)
        #expect((recovered["dhcpkafka_spool_acked_watermark"] ?? 0) >= 500)
        #expect(recovered["dhcpkafka_spool_oldest_unsent_age_seconds"] == 0)
        #expect(recovered[#"dhcpkafka_broker_state{state="up"}"#] == 1)
        #expect(recovered["dhcpkafka_forwarder_up"] == 1)

        cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [.msgSizeTooLarge, .invalidRecord])
        let second = try harness.writer(name: "b", frames: 50, rate: 1_000)
        #expect(second.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 90) { drained(accepted: 550) }, "\(daemon.log)")
        #expect(waitUntil(timeout: 30) { value("dhcpkafka_dead_lettered_frames_total") >= 1 }, "\(daemon.log)")
        #expect(value("dhcpkafka_spool_dead_letters") >= 1)

        cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [.outOfOrderSequenceNumber])
        let third = try harness.writer(name: "c", frames: 50, rate: 1_000)
        #expect(third.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 90) { drained(accepted: 600) && value("dhcpkafka_producer_restarts_total") >= 1 }, "\(daemon.log)")

        // Every documented metric is there, with a value a counter or gauge of its kind can have.
        let final = try #require(Self.scrape(port))
        let exposed = Self.exposedMetrics(final.text)
        for (name, type) in try Self.documentedMetrics() {
            #expect(exposed[name] != nil, "\(name) is exposed")
            let samples = final.values.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
            #expect(!samples.isEmpty, "\(name) has a sample")
            for (key, sample) in samples {
                #expect(sample.isFinite && sample >= 0, "\(key) = \(sample)")
                if type == "counter" { #expect(sample == sample.rounded(), "\(key) counts whole events") }
            }
        }
        #expect((final.values["dhcpkafka_accepted_frames_total"] ?? 0) <= (final.values["dhcpkafka_received_frames_total"] ?? 0))
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0, "\(daemon.log)")
    }

    /// The file system fills: failed commits are counted in the metrics while the daemon keeps the
    /// frames in memory, and every frame is accepted once there is room again.
    @Test func commitFailuresAreCounted() throws {
        let harness = try DaemonHarness()
        let mount = try TmpfsMount(in: harness.directory.path, size: "3m")
        defer { mount.unmount() }
        harness.spool = mount.path + "/spool"
        let daemon = try harness.start(["--capacity", "32MiB", "--metrics-listen", "127.0.0.1:0"])
        let port = try #require(LifecycleProcessTests.metricsPort(daemon), "\(daemon.log)")
        let writer = try harness.writer(name: "w", frames: 12_000, rate: 4_000)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 30) { (Self.scrape(port)?.values["dhcpkafka_spool_commit_failures_total"] ?? 0) >= 1 },
                "\(daemon.log)")
        try mount.resize("64m")
        let sent = try harness.sentTimestamps("w").count
        #expect(waitUntil(timeout: 60) { Self.scrape(port)?.values["dhcpkafka_accepted_frames_total"] == Double(sent) }, "\(daemon.log)")
        let after = try #require(Self.scrape(port)).values
        #expect((after["dhcpkafka_spool_commit_latency_p99_seconds"] ?? 0) > 0)
        #expect(after["dhcpkafka_spool_stored_frames"] == Double(sent))
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }
}
