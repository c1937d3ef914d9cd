import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka spool list|tail|show|export|check|stats` on a spool filled by a real daemon and stopped.
@Suite struct SpoolInspectionTests {
    let filled: FilledSpool
    var frames: [JSONValue] { filled.frames }

    init() throws { filled = try FilledSpool.get() }

    func run(_ arguments: [String]) throws -> ProcessResult { try filled.harness.cli(arguments) }

    func listCount(_ arguments: [String]) throws -> Int {
        let result = try run(["spool", "list", "--json", "--limit", "0"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderrText)")
        let lines = try InspectionHarness.jsonLines(result)
        #expect(lines.allSatisfy { $0["record"] == "frame" })
        return lines.count
    }

    // MARK: - list

    @Test func listShowsEveryFrameInOrder() throws {
        let total = FilledSpool.alphaFrames + FilledSpool.betaFrames
        #expect(frames.count == total)
        #expect(frames.compactMap { $0["sequence"]?.intValue } == (1...Int64(total)).map { $0 })
        for frame in frames {
            #expect(frame["record"] == "frame")
            #expect(frame["type_in"]?.stringValue != nil)
            #expect(frame["client_duid"]?.stringValue?.hasPrefix("0003") == true, "send uses DUID-LL clients")
            #expect(frame["latency_ms"]?.doubleValue.map { abs($0 - 0.5) < 0.01 } == true, "send answers 0.5 ms later")
        }
        // The load generator's templates: direct and relayed exchanges, with leases in the replies.
        #expect(frames.contains { $0["relayed"] == true } && frames.contains { $0["relayed"] == false })
        #expect(frames.contains { ($0["leases"]?.arrayValue ?? []).contains { $0.stringValue?.contains("/") == true } })

        let text = try run(["spool", "list", "--limit", "0"])
        #expect(text.status == 0, "\(text.stderrText)")
        let lines = text.stdoutText.split(separator: "\n")
        #expect(lines.count == total)
        let first = try #require(lines.first)
        #expect(first.hasPrefix("1  "))
        #expect(first.contains("alpha") && first.contains("→") && first.contains("duid ") && first.contains("ms"))
        #expect(lines.contains { $0.contains("(relayed)") })
        #expect(first.contains(try #require(frames[0]["time"]?.stringValue)), "UTC with milliseconds")
    }

    @Test func listLimitAndFrom() throws {
        let limited = try InspectionHarness.jsonLines(try run(["spool", "list", "--json", "--limit", "5"]))
        #expect(limited.compactMap { $0["sequence"]?.intValue } == [1, 2, 3, 4, 5])
        let from = try InspectionHarness.jsonLines(try run(["spool", "list", "--json", "--from", "45"]))
        #expect(from.compactMap { $0["sequence"]?.intValue } == [45, 46, 47, 48, 49, 50])
        #expect(try run(["spool", "list"]).stdoutText.split(separator: "\n").count == 50, "the default limit is 100")
    }

    @Test func filtersByServerTypeAndDUID() throws {
        #expect(try listCount(["--server", "alpha"]) == FilledSpool.alphaFrames)
        #expect(try listCount(["--server", "beta"]) == FilledSpool.betaFrames)
        #expect(try listCount(["--server", "nobody"]) == 0)

        let relayed = frames.filter { $0["relayed"] == true }.count
        #expect(relayed > 0)
        #expect(try listCount(["--type", "relay-forw"]) == relayed)
        #expect(try listCount(["--type", "relay-repl"]) == relayed)
        let solicits = frames.filter { $0["type_in"] == "solicit" }.count
        #expect(solicits > 0 && solicits < frames.count)
        #expect(try listCount(["--type", "solicit"]) == solicits)
        #expect(try listCount(["--type", "advertise"]) == solicits, "every solicit of the templates is answered")
        let replies = frames.filter { $0["type_out"] == "reply" }.count
        #expect(try listCount(["--type", "reply"]) == replies)

        let duid = try #require(frames[0]["client_duid"]?.stringValue)
        let sameClient = frames.filter { $0["client_duid"]?.stringValue == duid }.count
        var colons = ""
        for (index, character) in duid.enumerated() {
            if index > 0 && index % 2 == 0 { colons.append(":") }
            colons.append(character)
        }
        #expect(try listCount(["--duid", duid]) == sameClient)
        #expect(try listCount(["--duid", colons.uppercased()]) == sameClient)
        #expect(try listCount(["--server", "beta", "--duid", duid]) == 0, "filters combine")

        let bad = try run(["spool", "list", "--type", "solicitt"])
        #expect(bad.status != 0 && bad.stderrText.contains("unknown message type 'solicitt'"))
        #expect(try run(["spool", "list", "--duid", "xyz"]).status != 0)
    }

    @Test func filtersByTime() throws {
        let times = frames.compactMap { $0["timestamp_in"]?.doubleValue }
        #expect(times == times.sorted(), "one writer after the other: timestamps increase")
        let cut = times[19]
        #expect(try listCount(["--since", String(cut)]) == times.filter { $0 >= cut }.count)
        #expect(try listCount(["--until", String(cut)]) == times.filter { $0 < cut }.count)
        #expect(try listCount(["--since", String(cut), "--until", String(times[29])]) == 10)
        let iso = try #require(frames[0]["time"]?.stringValue)  // milliseconds, rounded down
        #expect(try listCount(["--since", iso]) == frames.count)
        #expect(try listCount(["--since", "1h"]) == frames.count)
        #expect(try listCount(["--until", "1h"]) == 0)
        #expect(try run(["spool", "list", "--since", "yesterday"]).status != 0)
    }

    // MARK: - tail

    @Test func tailShowsTheNewest() throws {
        let tail = try InspectionHarness.jsonLines(try run(["spool", "tail", "--json", "-n", "3"]))
        #expect(tail.compactMap { $0["sequence"]?.intValue } == [48, 49, 50])
        let alpha = try InspectionHarness.jsonLines(try run(["spool", "tail", "--json", "-n", "2", "--server", "alpha"]))
        #expect(alpha.compactMap { $0["sequence"]?.intValue } == [39, 40])
        let text = try run(["spool", "tail"])
        #expect(text.status == 0)
        let lines = text.stdoutText.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines.last?.hasPrefix("50  ") == true)

        // Nothing to show says so in text (silence reads as a hang), and stays empty in JSON.
        let none = try run(["spool", "tail", "--server", "no-such-server"])
        #expect(none.status == 0)
        #expect(none.stdoutText == "no frames match\n")
        #expect(try run(["spool", "tail", "--json", "--server", "no-such-server"]).stdoutText.isEmpty)
    }

    // MARK: - show

    @Test func showRelayedFrame() throws {
        let relayed = try #require(frames.first { $0["relayed"] == true })
        let sequence = try #require(relayed["sequence"]?.intValue)
        let result = try run(["spool", "show", String(sequence), "--json"])
        #expect(result.status == 0, "\(result.stderrText)")
        let shown = try JSONValue.parse(result.stdoutText)
        #expect(shown["sequence"]?.intValue == sequence)
        #expect(shown["state"] == "stored")
        #expect(shown["acked"] == false)
        #expect(shown["frame"]?["kafka_type"] == 1)
        #expect(shown["frame"]?["message_in"]?["type"] == "relay-forw")
        #expect(shown["frame"]?["message_in"]?["relayed_message"]?["type"] == relayed["type_in"])
        #expect(shown["frame"]?["message_out"]?["type"] == "relay-repl")
        #expect(shown["frame"]?["client_duid"] == relayed["client_duid"])
        #expect(shown["frame"]?["server_name"] == "alpha")

        let text = try run(["spool", "show", String(sequence)])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("sequence      \(sequence)"))
        #expect(text.stdoutText.contains("state         stored"))
        #expect(text.stdoutText.contains("DHCPKafkaMessage from alpha"))
        #expect(text.stdoutText.contains("relay-forw hops="))
        #expect(text.stdoutText.contains("\"link_address\""), "the messages in full")
    }

    @Test func showExplainsAbsentSequences() throws {
        let future = try run(["spool", "show", "999"])
        #expect(future.status == 1)
        #expect(future.stderrText.contains("frame 999 is not in the spool"))
        #expect(future.stderrText.contains("no frame has had this sequence yet (the next one gets 51)"))
    }

    // MARK: - export

    @Test func exportReadByTshark() throws {
        let pcap = filled.harness.directory.appending("all-\(UUID().uuidString).pcap")
        let result = try run(["spool", "export", "--pcap", pcap])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.contains("wrote 100 packets from 50 frames"))
        let packets = try Self.tshark(pcap)
        try #require(packets.count == 2 * frames.count, "one packet per message: \(packets.count)")
        var expected: [String] = []
        for frame in frames {
            let relayed = frame["relayed"] == true
            let typeIn = try #require(Self.typeCodes[frame["type_in"]?.stringValue ?? ""])
            let typeOut = try #require(Self.typeCodes[frame["type_out"]?.stringValue ?? ""])
            expected.append(relayed ? "12,\(typeIn)" : "\(typeIn)")
            expected.append(relayed ? "13,\(typeOut)" : "\(typeOut)")
        }
        #expect(packets.map(\.types) == expected)
        #expect(packets.allSatisfy { $0.checksum == "1" }, "tshark verified every UDP checksum as good")
        for (index, packet) in packets.enumerated() {
            let relayed = packet.types.contains(",")
            let query = index % 2 == 0
            #expect(packet.ports == (relayed ? "547,547" : query ? "546,547" : "547,546"), "\(index): \(packet)")
        }
        // Timestamps: the query at timestamp-in, the reply at timestamp-out, in microseconds.
        let first = try #require(frames[0]["timestamp_in"]?.doubleValue)
        #expect(abs(packets[0].time - first) < 2e-6)
        #expect(abs(packets[1].time - packets[0].time - 0.0005) < 2e-6)

        let beta = filled.harness.directory.appending("beta-\(UUID().uuidString).pcap")
        #expect(try run(["spool", "export", "--pcap", beta, "--server", "beta"]).status == 0)
        #expect(try Self.tshark(beta).count == 2 * FilledSpool.betaFrames)
    }

    static let typeCodes = ["solicit": 1, "advertise": 2, "request": 3, "renew": 5, "rebind": 6, "reply": 7, "release": 8]

    /// Each packet's DHCPv6 message types, UDP checksum status (1 = good), ports and time, as tshark reads them.
    static func tshark(_ pcap: String) throws -> [(types: String, checksum: String, ports: String, time: Double)] {
        let tshark = URL(fileURLWithPath: "/usr/bin/tshark")
        try #require(FileManager.default.fileExists(atPath: tshark.path), "install tshark (.ci/bootstrap does)")
        let result = try runProcess(
            tshark, ["-r", pcap, "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=;",
                     "-e", "dhcpv6.msgtype", "-e", "udp.checksum.status", "-e", "udp.srcport", "-e", "udp.dstport",
                     "-e", "frame.time_epoch"], timeout: 60)
        try #require(result.status == 0, "\(result.stderrText)")
        return try result.stdoutText.split(separator: "\n").map { line in
            let fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 5, "tshark line \(line)")
            return (fields[0], fields[1], fields[2] + "," + fields[3], Double(fields[4]) ?? 0)
        }
    }

    // MARK: - check

    @Test func checkHealthySpool() throws {
        let json = try run(["spool", "check", "--json"])
        #expect(json.status == 0, "\(json.stdoutText)")
        let report = try JSONValue.parse(json.stdoutText)
        #expect(report["healthy"] == true)
        #expect(report["problems"]?.arrayValue?.isEmpty == true)
        #expect(report["frames"]?.intValue == 50)
        #expect(report["frame_bytes"] == report["stored_bytes_counter"])
        #expect(report["single_snapshot"] == true)
        #expect(report["writer_pid"]?.isNull == true)
        let text = try run(["spool", "check"])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("healthy: no problems found"))
        #expect(text.stdoutText.contains("no daemon running"))
    }

    @Test func checkFindsADamagedFrame() throws {
        // A copy whose frame 7 is replaced, through LMDB itself (mdb_load), by 2 bytes: shorter than
        // the receive-time header, and leaving the stored-bytes counter wrong.
        let copy = filled.harness.directory.appending("damaged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        for file in ["data.mdb", "lock.mdb"] {
            try FileManager.default.copyItem(atPath: filled.spool + "/" + file, toPath: copy + "/" + file)
        }
        let dump = "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n \\00\\00\\00\\00\\00\\00\\00\\07\n ab\nDATA=END\n"
        let load = try runProcess(URL(fileURLWithPath: "/usr/bin/mdb_load"), ["-s", "frames", copy], stdin: Array(dump.utf8))
        try #require(load.status == 0, "mdb_load (lmdb-utils): \(load.stderrText)")

        let json = try filled.harness.cli(["spool", "check", "--json"], spool: copy)
        #expect(json.status == 1)
        let report = try JSONValue.parse(json.stdoutText)
        #expect(report["healthy"] == false)
        let problems = report["problems"]?.arrayValue ?? []
        #expect(problems.compactMap { $0["code"]?.stringValue }.sorted() == ["frame-value-malformed", "stored-bytes-mismatch"])
        #expect(problems.allSatisfy { ($0["action"]?.stringValue ?? "").count > 20 }, "every problem says what to do")
        let text = try filled.harness.cli(["spool", "check"], spool: copy)
        #expect(text.status == 1)
        #expect(text.stdoutText.contains("[frame-value-malformed] frame 7 has 2 bytes"))
        #expect(text.stdoutText.contains("what to do:"))

        // Listing stops at the damaged record with a pointer to the check; --from past it still works.
        let list = try filled.harness.cli(["spool", "list"], spool: copy)
        #expect(list.status == 1 && list.stderrText.contains("spool check"))
        #expect(try filled.harness.cli(["spool", "list", "--from", "8", "--json"], spool: copy).status == 0)
    }

    // MARK: - stats

    @Test func statsOfAStoppedSpool() throws {
        let stats = try filled.harness.stats(interval: "0")
        #expect(stats["stored_frames"] == 50)
        #expect(stats["accepted"] == 50)
        #expect(stats["acked_watermark"] == 0)
        #expect(stats["oldest_unsent_sequence"] == 1)
        #expect((stats["oldest_unsent_age_seconds"]?.doubleValue ?? -1) >= 0)
        let percent = try #require(stats["capacity_used_percent"]?.doubleValue)
        let bytes = try #require(stats["stored_bytes"]?.doubleValue)
        let capacity = try #require(stats["capacity_bytes"]?.doubleValue)
        #expect(abs(percent - (bytes * 100 / capacity * 100).rounded() / 100) < 1e-9)
        #expect(stats["ingest_frames_per_second"]?.isNull == true, "--interval 0 skips the rates")

        let sampled = try filled.harness.stats(interval: "0.2")
        #expect(sampled["ingest_frames_per_second"] == 0.0)
        #expect(sampled["forward_frames_per_second"] == 0.0)
        #expect((sampled["rate_interval_seconds"]?.doubleValue ?? 0) >= 0.2)
        let text = try run(["spool", "stats", "--interval", "0"])
        #expect(text.stdoutText.contains("oldest unsent      sequence 1,"))
    }

    /// A stopped forwarder's last broker state is reported as history, not as Kafka's state now.
    @Test func statsOfAStoppedForwarderSayWhenKafkaWasSeen() throws {
        let copy = filled.harness.directory.appending("stopped-forwarder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        for file in ["data.mdb", "lock.mdb"] {
            try FileManager.default.copyItem(atPath: filled.spool + "/" + file, toPath: copy + "/" + file)
        }
        // pid 0 never names a running process; the state is what the forwarder last wrote.
        let status = #"{"pid": 0, "updated_at": 1, "broker_state": "up", "in_flight": 3}"#
        try status.write(toFile: copy + "/forwarder.status", atomically: true, encoding: .utf8)
        let text = try filled.harness.cli(["spool", "stats", "--interval", "0"], spool: copy)
        #expect(text.status == 0, "\(text.stderrText)")
        let line = try #require(text.stdoutText.split(separator: "\n").first { $0.hasPrefix("forwarder ") })
        #expect(line.contains("not running (last seen"))
        #expect(line.contains("when Kafka was up"))
        #expect(!line.contains(", Kafka up"), "a stopped forwarder must not read as Kafka being up now: \(line)")
        #expect(!line.contains("in flight"))
    }
}
