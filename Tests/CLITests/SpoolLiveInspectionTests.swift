import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The inspection commands against a running daemon: `tail -f`, and list/stats/tail/check under load.
@Suite struct SpoolLiveInspectionTests {
    /// The JSON lines a `tail -f` child wrote to its log so far (its stderr goes there too, as text).
    static func records(_ child: ChildProcess) -> [JSONValue] {
        child.log.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap { try? JSONValue.parse(String($0)) }
    }

    static func frameSequences(_ records: [JSONValue]) -> [Int64] {
        records.filter { $0["record"] == "frame" }.compactMap { $0["sequence"]?.intValue }
    }

    @Test func tailFollowsNewFramesAndReportsRemovedOnes() throws {
        let harness = try InspectionHarness()
        try harness.start()
        defer { try? harness.stop() }
        try harness.send(5, server: "before")

        let tail = try ChildProcess(
            TestPaths.dhcpkafka, ["spool", "tail", "-f", "-n", "2", "--json", "--spool", harness.spool],
            logPath: harness.directory.appending("tail.log"), standardOutputToLog: true)
        defer { if tail.process.isRunning { tail.killHard() } }
        try #require(waitUntil(timeout: 10) { Self.frameSequences(Self.records(tail)) == [4, 5] }, "\(tail.log)")

        // Frames sent after tail started show up, in order, without restarting it.
        try harness.send(20, server: "after")
        #expect(waitUntil(timeout: 10) { Self.frameSequences(Self.records(tail)).count == 22 }, "\(tail.log)")
        #expect(Self.frameSequences(Self.records(tail)) == Array(4...25))

        // Frames removed before tail polls (as the forwarder removes delivered frames) are reported,
        // and tail keeps following by sequence. Stopping tail makes the removal certain to come first.
        tail.signal(SIGSTOP)
        try harness.send(10, server: "forwarded")
        let forwarder = try Spool.open(at: harness.spool, role: .forwarder)
        #expect(try forwarder.removeThrough(35) == 35)
        try forwarder.close()
        tail.signal(SIGCONT)
        try harness.send(3, server: "late")
        #expect(waitUntil(timeout: 10) { Self.frameSequences(Self.records(tail)).last == 38 }, "\(tail.log)")
        let records = Self.records(tail)
        let missed = try #require(records.first { $0["record"] == "missed" })
        #expect(missed["first_sequence"] == 26 && missed["last_sequence"] == 35)
        #expect(missed["reason"]?.stringValue?.contains("forwarded") == true)
        #expect(Self.frameSequences(records) == Array(4...25) + [36, 37, 38])
        #expect(records.filter { $0["record"] == "frame" }.suffix(3).allSatisfy { $0["server_name"] == "late" })

        tail.signal(SIGINT)
        #expect(tail.wait(timeout: 5) == 0, "tail -f exits 0 on SIGINT: \(tail.log)")
    }

    @Test func tailFollowStopsOnSIGTERM() throws {
        let harness = try InspectionHarness()
        try harness.start()
        defer { try? harness.stop() }
        try harness.send(1, server: "one")
        let tail = try ChildProcess(
            TestPaths.dhcpkafka, ["spool", "tail", "-f", "--spool", harness.spool],
            logPath: harness.directory.appending("tail.log"), standardOutputToLog: true)
        defer { if tail.process.isRunning { tail.killHard() } }
        try #require(waitUntil(timeout: 10) { tail.log.contains("one") }, "\(tail.log)")
        tail.signal(SIGTERM)
        #expect(tail.wait(timeout: 5) == 0)
    }

    @Test func commandsWhileTheDaemonIsUnderLoad() throws {
        let harness = try InspectionHarness()
        try harness.start()
        defer { try? harness.stop() }
        try harness.send(10, server: "warmup")
        let total = 9000
        let writer = try ChildProcess(
            TestPaths.dhcpkafka,
            ["send", "--socket", harness.socket, "--frames", String(total), "--rate", "3000", "--server-name", "load", "--json"],
            logPath: harness.directory.appending("send.log"))
        defer { if writer.process.isRunning { writer.killHard() } }
        try #require(waitUntil(timeout: 10) { ((try? harness.accepted()) ?? 0) > 500 })

        // While frames arrive: every command works and sees a consistent spool. The rate is measured
        // over a window, and on a loaded machine the sender may be descheduled during any one window:
        // wait until a window saw frames arrive, and check the rate against what the spool accepted.
        var measured: (rate: Double, accepted: (Int, Int))?
        #expect(waitUntil(timeout: 60) {
            guard let before = try? harness.accepted(), let stats = try? harness.stats(interval: "0.5"),
                  let after = try? harness.accepted(), let rate = stats["ingest_frames_per_second"]?.doubleValue,
                  stats["forward_frames_per_second"] == 0.0, rate > 0 else { return false }
            measured = (rate, (before, after))
            return true
        }, "stats never measured an ingest rate (and a forward rate of 0, no forwarder runs)")
        if let (rate, (before, after)) = measured {
            // The window lies between the two counter reads: at most their difference arrived in it.
            #expect(rate * 0.5 <= Double(after - before) + 1, "measured \(rate) frames/s, \(after - before) accepted")
        }

        let list = try harness.cli(["spool", "list", "--json", "--limit", "0", "--server", "load"])
        #expect(list.status == 0, "\(list.stderrText)")
        let listed = try InspectionHarness.jsonLines(list).compactMap { $0["sequence"]?.intValue }
        #expect(listed.count > 500)
        #expect(listed == Array(11...Int64(10 + listed.count)), "contiguous sequences, read in many short transactions")

        let tail = try InspectionHarness.jsonLines(try harness.cli(["spool", "tail", "--json", "-n", "5"]))
        let tailed = tail.compactMap { $0["sequence"]?.intValue }
        #expect(tailed.count == 5)
        #expect(zip(tailed, tailed.dropFirst()).allSatisfy { $0 + 1 == $1 })

        let check = try harness.cli(["spool", "check", "--json"])
        #expect(check.status == 0, "\(check.stdoutText)")
        let report = try JSONValue.parse(check.stdoutText)
        // The spool's writer is the ingest worker, the child of `run` that reads the socket.
        let worker = harness.daemon.flatMap { ingestWorker(of: $0.pid) }
        #expect(worker != nil, "no ingest worker under the daemon")
        #expect(report["writer_pid"]?.intValue == worker.map(Int64.init))
        #expect(report["healthy"] == true)

        try #require(writer.wait(timeout: 30) == 0, "\(writer.log)")
        let sent = try #require(try JSONValue.parse(writer.standardOutput())["sent"]?.intValue)
        #expect(waitUntil(timeout: 20) { (try? harness.accepted()) == 10 + Int(sent) })
        let all = try harness.cli(["spool", "list", "--json", "--limit", "0", "--server", "load"])
        #expect(try InspectionHarness.jsonLines(all).count == Int(sent))
    }
}
