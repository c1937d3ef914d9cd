import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// A writer without permission on the socket is told so (counted as permission denied, one log
/// line with what to do), not counted as "daemon down" while the daemon is in fact running.
@Suite struct WriterPermissionTests {
    @Test func aWriterWithoutPermissionCountsPermissionDenied() throws {
        // The socket sits in a 0700 directory of root's: `nobody` may not search it.
        let directory = try TemporaryDirectory(prefix: "dk-writer-perm")
        let path = directory.appending("ingest.sock")
        let receiver = bindUnixDatagramSocket(at: path)
        try #require(receiver >= 0)
        defer { close(receiver) }

        // A copy of the binary that `nobody` can run, wherever the checkout is (/root is 0700).
        let bin = try TemporaryDirectory(prefix: "dk-writer-bin")
        chmod(bin.path, 0o755)
        let binary = bin.appending("dhcpkafka")
        try FileManager.default.copyItem(atPath: TestPaths.dhcpkafka.path, toPath: binary)
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary,
             "send", "--socket", path, "--frames", "50", "--json"],
            timeout: 120)
        #expect(result.status == 0, "\(result.stderrText)")
        let counters = try JSONValue.parse(result.stdoutText)
        #expect(counters["dropped_permission_denied"] == 50, "\(result.stdoutText)")
        #expect(counters["dropped_daemon_down"] == 0, "a running daemon is not reported down: \(result.stdoutText)")
        #expect(counters["sent"] == 0)
        let lines = result.stderrText.split(separator: "\n").filter { $0.hasPrefix("dhcpkafka writer:") }
        #expect(lines.count == 1, "one line for the first drop of the kind, not one per frame: \(result.stderrText)")
        #expect(lines.first?.contains("permission denied: this process (uid 65534") == true, "\(result.stderrText)")
        #expect(lines.first?.contains("Waiting will not help") == true)
    }

    @Test func aMissingDaemonIsReportedOnceAsDown() throws {
        let directory = try TemporaryDirectory(prefix: "dk-writer-perm")
        let result = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", directory.appending("none.sock"), "--frames", "20", "--json"],
            timeout: 120)
        #expect(result.status == 0, "\(result.stderrText)")
        let counters = try JSONValue.parse(result.stdoutText)
        #expect(counters["dropped_daemon_down"] == 20 && counters["dropped_permission_denied"] == 0, "\(result.stdoutText)")
        let lines = result.stderrText.split(separator: "\n").filter { $0.hasPrefix("dhcpkafka writer:") }
        #expect(lines.count == 1 && lines.first?.contains("no daemon is receiving") == true, "\(result.stderrText)")
    }
}
