import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The operator commands the README promises beyond decode and inspection, run as the real binary:
/// `dev-broker`, `send --processes`, `consume`, `spool dead purge`, `run --allow-gid`,
/// `spool export --since`.
@Suite struct OperatorCommandTests {
    /// `dev-broker` serves a topic, `run` forwards what `send --processes 4` wrote, and `consume
    /// --count N --json` reads back exactly N records, each the frame that was sent.
    @Test func devBrokerSendProcessesAndConsume() throws {
        let harness = try InspectionHarness()
        let broker = try ChildProcess(
            TestPaths.dhcpkafka, ["dev-broker"], logPath: harness.directory.appending("broker.log"), standardOutputToLog: true)
        defer { broker.killHard() }
        #expect(waitUntil(timeout: 60) { Self.brokerAddress(in: broker.log) != nil || !broker.process.isRunning },
                "dev-broker prints its address: \(broker.log)")
        let address = try #require(Self.brokerAddress(in: broker.log), "\(broker.log)")
        try harness.start(options: ["--broker", address])
        defer { try? harness.stop() }

        let frames = 400
        let log = harness.directory.appending("sent")
        let sent = try runProcess(TestPaths.dhcpkafka, [
            "send", "--socket", harness.socket, "--frames", String(frames), "--processes", "4", "--server-name", "cli-consume",
            "--log", log, "--json"], timeout: 120)
        #expect(sent.status == 0, "\(sent.stderrText)")
        let counters = try JSONValue.parse(sent.stdoutText)
        #expect(counters["processes"] == 4 && counters["sent"]?.intValue == Int64(frames), "\(sent.stdoutText)")
        // Four writer processes, each with its share, each logging the timestamps it sent.
        var stamps: Set<String> = []
        for index in 0..<4 {
            let lines = try String(contentsOfFile: "\(log).\(index)", encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == frames / 4, "writer process \(index) sent its share")
            #expect(Set(lines).count == lines.count, "writer process \(index) sent distinct frames")
            stamps.formUnion(lines)
        }
        // Two processes can stamp a frame at the same instant (seen in CI: 397 distinct stamps of
        // 400), so distinctness across processes is checked by position below, not by stamp.
        #expect(waitUntil(timeout: 120) { (try? harness.stats()["forwarded"]?.intValue) == Int64(frames) },
                "the daemon forwards everything to dev-broker: \(String(describing: try? harness.stats()))")

        let consumed = try runProcess(
            TestPaths.dhcpkafka, ["consume", "--broker", address, "--count", String(frames), "--json"], timeout: 180)
        #expect(consumed.status == 0, "\(consumed.stderrText)")
        let records = try InspectionHarness.jsonLines(consumed)
        #expect(records.count == frames, "consume --count \(frames) read \(records.count): \(consumed.stderrText)")
        #expect(records.allSatisfy { $0["frame"]?["server_name"] == "cli-consume" }, "every record decodes to a sent frame")
        let positions = Set(records.compactMap { record in
            record["partition"]?.intValue.flatMap { partition in record["offset"]?.intValue.map { "\(partition):\($0)" } }
        })
        #expect(positions.count == frames, "each record once")
        let readStamps = Set(records.compactMap { $0["frame"]?["timestamp_in"]?.doubleValue })
        #expect(readStamps.count == stamps.count, "the frames sent, none missing: \(readStamps.count) of \(stamps.count) stamps")

        let few = try runProcess(TestPaths.dhcpkafka, ["consume", "--broker", address, "--count", "3", "--json"], timeout: 120)
        #expect(few.status == 0, "\(few.stderrText)")
        #expect(try InspectionHarness.jsonLines(few).count == 3, "--count 3 stops after 3 records: \(few.stdoutText)")

        try harness.stop()
        broker.signal(SIGTERM)
        #expect(broker.wait(timeout: 60) == 0, "dev-broker stops on SIGTERM: \(broker.log)")
    }

    /// `spool dead purge` refuses without `--yes`, then deletes the dead letters and only them.
    @Test func deadPurge() throws {
        let harness = try InspectionHarness()
        try harness.start()
        try harness.send(20, server: "dead")
        try harness.stop()
        let listed = try InspectionHarness.jsonLines(try harness.cli(["spool", "list", "--json", "--limit", "0"]))
        let sequences = listed.compactMap { $0["sequence"]?.intValue }.map(UInt64.init)
        try #require(sequences.count == 20, "\(listed)")
        do {
            let spool = try Spool.open(at: harness.spool, role: .forwarder)
            defer { try? spool.close() }
            try spool.moveToDead(sequences[3], error: "MSG_SIZE_TOO_LARGE")
            try spool.moveToDead(sequences[7], error: "TOPIC_AUTHORIZATION_FAILED")
        }
        let dead = try harness.cli(["spool", "dead", "list", "--json"])
        #expect(dead.status == 0, "\(dead.stderrText)")
        #expect(try InspectionHarness.jsonLines(dead).compactMap { $0["sequence"]?.intValue } == [sequences[3], sequences[7]].map(Int64.init))

        let unconfirmed = try harness.cli(["spool", "dead", "purge"])
        #expect(unconfirmed.status == 2 && unconfirmed.stderrText.contains("--yes"), "\(unconfirmed.stderrText)")
        #expect(try InspectionHarness.jsonLines(try harness.cli(["spool", "dead", "list", "--json"])).count == 2, "nothing purged")

        let purged = try harness.cli(["spool", "dead", "purge", "--yes"])
        #expect(purged.status == 0, "\(purged.stderrText)")
        #expect(purged.stdoutText.contains("purged 2 dead letter(s)"), "\(purged.stdoutText)")
        let after = try harness.cli(["spool", "dead", "list"])
        #expect(after.status == 0 && after.stdoutText.contains("no dead letters"), "\(after.stdoutText)")
        #expect(try harness.stats()["stored_frames"]?.intValue == 18, "the other frames stay")
        let again = try harness.cli(["spool", "dead", "purge", "--yes"])
        #expect(again.status == 0 && again.stdoutText.contains("purged 0 dead letter(s)"), "\(again.stdoutText)")
    }

    /// `run --allow-gid G`: a writer whose primary group is G is accepted, another is refused and counted.
    @Test func allowGIDAcceptsOnlyThatGroup() throws {
        let harness = try InspectionHarness()
        chmod(harness.directory.path, 0o755)
        let nogroup = try #require(getgrnam("nogroup")?.pointee.gr_gid, "the nogroup group exists on Debian")
        try harness.start(options: ["--no-forward", "--allow-gid", String(nogroup), "--socket-mode", "0666"])
        defer { try? harness.stop() }
        func send(asGID gid: UInt32, frames: Int) throws -> Int64 {
            let result = try runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid=65534", "--regid=\(gid)", "--clear-groups", TestPaths.dhcpkafka.path, "send", "--socket", harness.socket,
                "--frames", String(frames), "--rate", "2000", "--server-name", "gid-\(gid)", "--json"], timeout: 120)
            #expect(result.status == 0, "\(result.stderrText)")
            return try JSONValue.parse(result.stdoutText)["sent"]?.intValue ?? -1
        }
        #expect(try send(asGID: nogroup, frames: 50) == 50)
        #expect(try send(asGID: 0, frames: 30) == 30, "the socket accepts the datagrams; the daemon refuses them")
        #expect(waitUntil(timeout: 60) { ((try? harness.stats())?["received"]?.intValue ?? 0) == 80 },
                "\(String(describing: try? harness.stats()))")
        let stats = try harness.stats()
        #expect(stats["accepted"]?.intValue == 50)
        #expect(stats["rejected_by_reason"]?["sender-not-allowed"]?.intValue == 30, "\(stats)")
        let servers = try InspectionHarness.jsonLines(try harness.cli(["spool", "list", "--json", "--limit", "0"]))
            .compactMap { $0["server_name"]?.stringValue }
        #expect(Set(servers) == ["gid-\(nogroup)"], "only the allowed group's frames are stored")
    }

    /// `spool export --since T` writes exactly the frames received at or after T.
    @Test func exportSince() throws {
        let filled = try FilledSpool.get()
        let times = filled.frames.compactMap { $0["timestamp_in"]?.doubleValue }
        try #require(times.count == filled.frames.count && times == times.sorted())
        let cut = times[19]
        let expected = times.filter { $0 >= cut }.count
        let pcap = filled.harness.directory.appending("since-\(UUID().uuidString).pcap")
        let result = try filled.harness.cli(["spool", "export", "--pcap", pcap, "--since", String(cut)])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.contains("wrote \(2 * expected) packets from \(expected) frames"), "\(result.stdoutText)")
        let packets = try SpoolInspectionTests.tshark(pcap)
        #expect(packets.count == 2 * expected)
        #expect(packets.first.map { abs($0.time - cut) < 2e-6 } == true, "the first packet is the query received at the cut")
        let none = filled.harness.directory.appending("none-\(UUID().uuidString).pcap")
        let future = try filled.harness.cli(["spool", "export", "--pcap", none, "--since", String((times.last ?? 0) + 1)])
        #expect(future.status == 0 && future.stdoutText.contains("wrote 0 packets from 0 frames"), "\(future.stdoutText)")
    }

    /// `host:port` from dev-broker's "... at HOST:PORT, topic ..." line.
    static func brokerAddress(in log: String) -> String? {
        for line in log.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if let colon = text.lastIndex(of: ":"), !text.contains(" "), Int(text[text.index(after: colon)...]) != nil {
                return text
            }
        }
        return nil
    }
}
