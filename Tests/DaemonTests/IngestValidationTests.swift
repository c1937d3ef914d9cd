import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

@Suite(.serialized) struct IngestValidationTests {
    /// 16 writer processes at once: 8 well-behaved, 8 sending truncated, malformed, oversize and random
    /// datagrams between valid ones. Every valid frame is stored; every bad one is counted by reason.
    @Test(.heavy) func sixteenWritersWithHostileDatagrams() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        let good = try (0..<8).map { try harness.writer(name: "good\($0)", frames: 3_000, rate: 1_500) }
        let hostile = try (0..<8).map { index in
            try ChildProcess(
                TestPaths.python,
                [TestPaths.interopScripts.appendingPathComponent("hostile_writer.py").path, harness.socket,
                 TestPaths.fixtures.appendingPathComponent("frames/all.hex").path, String(index), "1500"],
                logPath: harness.directory.appending("hostile-\(index).log"))
        }
        var hostileSent: [String: Int64] = [:]
        for writer in hostile {
            #expect(writer.wait(timeout: 120) == 0, "hostile writer failed: \(writer.log)")
            let counts = try JSONValue.parse(writer.standardOutput())
            if case .object(let members) = counts {
                for (kind, n) in members { hostileSent[kind, default: 0] += n.intValue ?? 0 }
            }
        }
        var goodSent: Int64 = 0
        for (index, writer) in good.enumerated() {
            #expect(writer.wait(timeout: 120) == 0)
            goodSent += Int64(try harness.sentTimestamps("good\(index)").count)
        }
        let badSent = hostileSent.filter { $0.key != "valid" }.values.reduce(0, +)
        let validSent = goodSent + (hostileSent["valid"] ?? 0)
        #expect(waitUntil(timeout: 20) { ((try? harness.stats())?["received"]?.intValue ?? 0) == validSent + badSent })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)

        let stats = try harness.stats()
        #expect(stats["accepted"]?.intValue == validSent)
        #expect(stats["rejected"]?.intValue == badSent)
        let byReason = try #require(stats["rejected_by_reason"])
        for kind in ["empty", "truncated", "length-past-end", "invalid-utf8", "trailing-bytes", "invalid-dhcpv6",
                     "unknown-type", "oversize"] {
            // Random datagrams land in these reasons too, so each is at least what was sent of its kind.
            #expect((byReason[kind]?.intValue ?? 0) >= hostileSent[kind] ?? 0, "reason \(kind)")
        }
        let deterministic = ["empty", "truncated", "length-past-end", "invalid-utf8", "trailing-bytes", "invalid-dhcpv6", "unknown-type", "oversize"]
            .reduce(Int64(0)) { $0 + (hostileSent[$1] ?? 0) }
        #expect((stats["rejected"]?.intValue ?? 0) - deterministic == hostileSent["random"] ?? 0)
        // The well-behaved writers' frames are all there, in their order.
        let stored = try harness.storedFrames()
        for index in 0..<8 {
            let mine = stored.filter { $0.frame.serverName == "good\(index)" }.map(\.frame.timestampIn)
            #expect(mine == (try harness.sentTimestamps("good\(index)")))
        }
        #expect(daemon.log.contains("rejected an invalid frame"))
    }

    /// With an allow list, frames from other users are refused and counted; allowed ones are stored.
    @Test func senderAllowList() throws {
        let harness = try DaemonHarness()
        chmod(harness.directory.path, 0o755)
        let daemon = try harness.start(["--allow-uid", "0", "--socket-mode", "0666", "--socket-group", "nogroup"])
        var socketInfo = stat()
        #expect(stat(harness.socket, &socketInfo) == 0)
        #expect(socketInfo.st_gid == getgrnam("nogroup")?.pointee.gr_gid, "--socket-group sets the socket file's group")
        #expect(socketInfo.st_mode & 0o777 == 0o666)
        let asRoot = try harness.writer(name: "root", frames: 200, rate: 2_000)
        #expect(asRoot.wait(timeout: 60) == 0)
        let asNobody = try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.dhcpkafka.path, "send", "--socket", harness.socket,
             "--frames", "100", "--rate", "2000", "--server-name", "nobody", "--json"])
        #expect(asNobody.status == 0, "\(asNobody.stderrText)")
        let nobodySent = try JSONValue.parse(asNobody.stdoutText)["sent"]?.intValue ?? 0
        #expect(nobodySent == 100)
        #expect(waitUntil(timeout: 10) { ((try? harness.stats())?["received"]?.intValue ?? 0) == 300 })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)
        let stats = try harness.stats()
        #expect(stats["accepted"]?.intValue == 200)
        #expect(stats["rejected_by_reason"]?["sender-not-allowed"]?.intValue == 100)
        var info = stat()
        #expect(stat(harness.socket, &info) != 0, "the socket file is removed at shutdown")
    }
}
