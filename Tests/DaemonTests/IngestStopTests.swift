import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// How ingest stops: a graceful stop under load loses nothing a writer counted as sent, a stop
/// while the disk refuses commits says exactly what it lost, and a socket file that disappears
/// stops the daemon instead of leaving writers talking to nobody.
@Suite(.serialized) struct IngestStopTests {
    /// The `sent` count a `dhcpkafka send --json` writer printed.
    private func sentCount(_ writer: ChildProcess) throws -> Int64 {
        try #require(try JSONValue.parse(writer.standardOutput())["sent"]?.intValue)
    }

    /// 4 writer processes at full speed, SIGTERM while they send: everything they counted as sent
    /// was received and accepted; what came after the stop they counted as dropped.
    @Test(.heavy) func gracefulStopUnderLoadLosesNothingSent() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--durability", "nometasync"])
        let writers = try (0..<4).map { try harness.writer(name: "w\($0)", frames: 60_000, rate: 12_000) }
        #expect(waitUntil(timeout: 60) { ((try? harness.stats())?["accepted"]?.intValue ?? 0) >= 4_000 })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0, "\(daemon.log)")
        var sent: Int64 = 0
        for writer in writers {
            #expect(writer.wait(timeout: 120) == 0, "\(writer.log)")
            sent += try sentCount(writer)
        }
        #expect(sent < 240_000, "the writers were still sending when the daemon stopped")
        let stats = try harness.stats()
        #expect(stats["received"]?.intValue == sent, "sent \(sent): \(stats)")
        #expect(stats["accepted"]?.intValue == sent, "sent \(sent): \(stats)")
    }

    /// SIGTERM while the spool's file system is full: the daemon retries until the shutdown
    /// timeout, then exits 1 and logs exactly how many received frames it lost; the metrics show
    /// the frames held in memory while the disk is full.
    @Test func stopWhileCommitsFailCountsTheLoss() throws {
        let harness = try DaemonHarness()
        let mount = try TmpfsMount(in: harness.directory.path, size: "2m")
        defer { mount.unmount() }
        harness.spool = mount.path + "/spool"
        let daemon = try harness.start(["--capacity", "64MiB", "--shutdown-timeout", "2", "--metrics-listen", "127.0.0.1:0"])
        let writer = try harness.writer(name: "w", frames: 10_000, rate: 5_000)
        #expect(writer.wait(timeout: 120) == 0)
        let sent = try sentCount(writer)
        #expect(waitUntil(timeout: 20) { daemon.log.contains("cannot commit to the spool") }, "\(daemon.log)")
        let port = try #require(metricsPort(daemon), "\(daemon.log)")
        var pending: Double = 0
        #expect(waitUntil(timeout: 20) {
            pending = httpGet(port: port, path: "/metrics").map { parsePrometheus($0.body)["dhcpkafka_ingest_pending_frames"] ?? 0 } ?? 0
            return pending > 0
        }, "the frames held in memory show in the metrics")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 1, "\(daemon.log)")
        let log = daemon.log
        let range = try #require(log.range(of: #"lost (\d+) received frames at shutdown"#, options: .regularExpression), "\(log)")
        let lost = try #require(Int64(log[range].split(separator: " ")[1]))
        #expect(lost > 0)
        let accepted = try harness.stats()["accepted"]?.intValue ?? -1
        #expect(accepted + lost == sent, "accepted \(accepted) + lost \(lost) == sent \(sent)")
    }

    /// The socket file is deleted, or replaced by another socket, while the daemon runs: it says so
    /// and exits 1 (systemd restarts it with a new socket); a replacement is left alone.
    @Test func socketFileDeletedOrReplacedStopsTheDaemon() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        #expect(unlink(harness.socket) == 0)
        #expect(daemon.wait(timeout: 30) == 1, "\(daemon.log)")
        #expect(daemon.log.contains("socket file \(harness.socket) was deleted"), "\(daemon.log)")

        let again = try harness.start(log: "again.log")
        let other = harness.directory.appending("other.sock")
        let replacement = bindUnixDatagramSocket(at: other)
        try #require(replacement >= 0)
        defer { close(replacement) }
        #expect(rename(other, harness.socket) == 0)
        #expect(again.wait(timeout: 30) == 1, "\(again.log)")
        #expect(again.log.contains("was replaced by another file"), "\(again.log)")
        #expect(socketExists(harness.socket), "the daemon removes only its own socket file")
    }

    /// SIGTERM the moment the socket appears (before the service group would have trapped it):
    /// the daemon still stops gracefully and exits 0, it is not killed by the signal.
    @Test func stopRightAfterTheSocketAppears() throws {
        let harness = try DaemonHarness()
        for round in 0..<8 {
            let daemon = try harness.start(log: "daemon-\(round).log")
            daemon.signal(SIGTERM)
            #expect(daemon.wait(timeout: 60) == 0, "round \(round): \(daemon.log)")
        }
    }

    private func metricsPort(_ daemon: ChildProcess) -> UInt16? {
        _ = waitUntil(timeout: 20) { daemon.log.contains("serving metrics") }
        guard let range = daemon.log.range(of: #"url=http://127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression) else { return nil }
        return UInt16(daemon.log[range].split(separator: ":").last?.split(separator: "/").first ?? "")
    }
}
