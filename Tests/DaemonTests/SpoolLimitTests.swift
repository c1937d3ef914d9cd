import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

@Suite(.serialized) struct SpoolLimitTests {
    /// Fill past the frame limit through the daemon: exactly the newest frames survive, counters match.
    @Test func evictsExactlyTheOldestFrames() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--capacity", "64KiB", "--max-frames", "50", "--durability", "periodic:0.5"])
        let writer = try harness.writer(name: "w", frames: 300, rate: 3_000)
        #expect(writer.wait(timeout: 60) == 0)
        let sent = try harness.sentTimestamps("w")
        #expect(sent.count == 300)
        #expect(waitUntil(timeout: 10) { ((try? harness.stats())?["accepted"]?.intValue ?? 0) == 300 })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)
        let stats = try harness.stats()
        #expect(stats["stored_frames"]?.intValue == 50)
        #expect(stats["durability"]?.stringValue?.hasPrefix("periodic(0.5") == true, "--durability reaches the spool")
        #expect(stats["evicted_frames"]?.intValue == 250)
        #expect(stats["oldest_sequence"]?.intValue == 251)
        #expect(stats["newest_sequence"]?.intValue == 300)
        #expect(stats["pending_gaps"]?.intValue ?? 0 >= 1)
        let stored = try harness.storedFrames()
        #expect(stored.map(\.sequence) == Array(251...300))
        #expect(stored.map(\.frame.timestampIn) == Array(sent.suffix(50)))
    }

    /// A second daemon on the same spool is refused with the first one's pid, and does not disturb it.
    @Test func secondDaemonOnTheSameSpoolIsRefused() throws {
        let harness = try DaemonHarness()
        let first = try harness.start()
        let second = try runProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.directory.appending("other.sock"), "--spool", harness.spool],
            timeout: 20)
        #expect(second.status == 1)
        #expect(second.stderrText.contains("held by pid \(first.pid)"), "\(second.stderrText)")
        // Same socket, other spool: refused because a live daemon receives there.
        let third = try runProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.socket, "--spool", harness.directory.appending("spool2")],
            timeout: 20)
        #expect(third.status == 1)
        #expect(third.stderrText.contains("already receiving"), "\(third.stderrText)")
        #expect(first.process.isRunning && socketExists(harness.socket))
        first.signal(SIGTERM)
        #expect(first.wait(timeout: 20) == 0)
    }
}

/// Spool directory problems give a clear error and a clean exit, or (disk full) no loss at all.
@Suite(.serialized) struct DiskFailureTests {
    @Test func missingParentDirectory() throws {
        let harness = try DaemonHarness()
        let result = try runProcess(
            TestPaths.dhcpkafka,
            ["run", "--socket", harness.socket, "--spool", harness.directory.appending("no/such/dir/spool")], timeout: 20)
        #expect(result.status == 1)
        #expect(result.stderrText.contains("no/such/dir"), "\(result.stderrText)")
        #expect(!socketExists(harness.socket), "no socket without a spool")
    }

    @Test func readOnlyFileSystem() throws {
        let harness = try DaemonHarness()
        let mount = try TmpfsMount(in: harness.directory.path, size: "4m", readOnly: true)
        defer { mount.unmount() }
        let result = try runProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.socket, "--spool", mount.path + "/spool"], timeout: 20)
        #expect(result.status == 1)
        #expect(result.stderrText.lowercased().contains("read-only") || result.stderrText.contains("not writable"),
                "\(result.stderrText)")
    }

    /// The file system fills up under load: the daemon keeps running and keeps what it received in
    /// memory; once there is room again it commits everything. Nothing the writer queued is lost.
    @Test func fileSystemFullThenSpaceReturns() throws {
        let harness = try DaemonHarness()
        let mount = try TmpfsMount(in: harness.directory.path, size: "3m")
        defer { mount.unmount() }
        harness.spool = mount.path + "/spool"
        let daemon = try harness.start(["--capacity", "32MiB"])
        let writer = try harness.writer(name: "w", frames: 12_000, rate: 4_000)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 10) { daemon.log.contains("cannot commit to the spool") }, "\(daemon.log)")
        #expect(daemon.process.isRunning, "a full disk must not stop the daemon")
        try mount.resize("64m")
        let sent = try harness.sentTimestamps("w")
        #expect(waitUntil(timeout: 30) { ((try? harness.stats())?["accepted"]?.intValue ?? 0) == Int64(sent.count) },
                "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)
        let stored = try harness.storedFrames()
        #expect(stored.map(\.frame.timestampIn) == sent)
        #expect(daemon.log.contains("spool commits succeed again"))
    }
}
