import DHCPKafkaRuntime
import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The forwarder child never outlives the `dhcpkafka run` that started it, so it never holds
/// `forwarder.lock` against the next daemon.
@Suite(.serialized) struct ForwarderParentTests {
    /// The daemon died before the forwarder it started got going (its parent is now init or a
    /// subreaper, and `getppid()` names that): the forwarder sees that the pid it was told about is
    /// not its parent and exits at once, before touching the spool.
    @Test func forwarderWhoseDaemonIsAlreadyGoneExits() throws {
        let harness = try DaemonHarness()
        let ingest = try harness.start()  // creates the spool; --no-forward
        defer { ingest.signal(SIGTERM); ingest.wait(timeout: 30) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try SpawnGate.run { try gone.run() }
        gone.waitUntilExit()
        let forwarder = try ChildProcess(
            TestPaths.dhcpkafka, ["forward", "--spool", harness.spool, "--broker", "127.0.0.1:1", "--exit-with-parent"],
            logPath: harness.directory.appending("orphan.log"),
            environment: ["DHCPKAFKA_PARENT_PID": String(gone.processIdentifier)])
        let status = forwarder.wait(timeout: 60)
        #expect(status != nil, "the orphaned forwarder is still running: \(forwarder.log)")
        #expect(status != 0)
        #expect(forwarder.log.contains("is gone; exiting"), "\(forwarder.log)")
    }

    /// SIGKILL the daemon: its forwarder child exits promptly, and a new daemon on the same spool
    /// starts its own forwarder (the lock is free) and forwards what arrives.
    @Test func forwarderExitsWithSigkilledDaemon() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let first = try harness.start(["--broker", cluster.bootstrapServers], log: "first.log")
        let writer = try harness.writer(name: "a", frames: 20, rate: 500)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarded"]?.intValue == 20 }, "\(first.log)")
        let forwarderPID = try #require(Self.forwarderPID(harness), "no running forwarder in spool stats")
        first.killHard()
        #expect(waitUntil(timeout: 60) { !Self.isAlive(forwarderPID) }, "the forwarder outlived its daemon")
        // The SIGKILLed daemon left its socket file: remove it, so `start` waits for the new one's
        // (otherwise the writer may send into the stale socket before the new daemon binds).
        unlink(harness.socket)
        let second = try harness.start(["--broker", cluster.bootstrapServers], log: "second.log")
        let more = try harness.writer(name: "b", frames: 30, rate: 500)
        #expect(more.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 90) {
            let stats = try? harness.stats()
            return stats?["forwarded"]?.intValue == 50 && stats?["stored_frames"]?.intValue == 0
        }, "\((try? harness.stats())?.compactText ?? "no stats")\n\(second.log)")
        #expect(!second.log.contains("held by pid"), "\(second.log)")
        second.signal(SIGTERM)
        #expect(second.wait(timeout: 30) == 0)
    }

    /// The pid of the forwarder running on the harness's spool, from its status file.
    static func forwarderPID(_ harness: DaemonHarness) -> Int32? {
        var pid: Int32?
        _ = waitUntil(timeout: 30) {
            guard let forwarder = (try? harness.stats())?["forwarder"], forwarder["running"] == .bool(true),
                let value = forwarder["pid"]?.intValue
            else { return false }
            pid = Int32(value)
            return true
        }
        return pid
    }

    /// Whether `pid` runs (a zombie nobody reaped yet counts as gone).
    static func isAlive(_ pid: Int32) -> Bool {
        ProcessStat(pid: pid)?.isAlive ?? false
    }
}
