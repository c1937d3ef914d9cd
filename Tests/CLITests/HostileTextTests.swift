import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// Terminal and log injection: server names that carry line breaks, escape sequences, NUL and bidi
/// overrides reach `decode`, `spool list|tail|show` only as visible escapes, and the JSON forms
/// carry them back exactly.
@Suite struct HostileTextTests {
    /// Names a hostile writer may send: each is valid UTF-8, so the daemon accepts it.
    static let names = [
        "evil\n1  2026-01-01T00:00:00.000Z  forged  solicit→reply",
        "clear\u{1B}[2Jscreen",
        "link\u{1B}]8;;http://attacker.example/\u{07}click\u{1B}]8;;\u{07}",
        "nul\u{0}byte",
        "rtl\u{202E}txt.exe",
        "del\u{7F}csi\u{9B}31m",
        "line\u{2028}separator\r",
    ]

    /// Fails for every character of `output` that a terminal would act on (line breaks end lines).
    static func expectInert(_ output: String, _ context: String) {
        let bad = output.unicodeScalars.filter { $0 != "\n" && TextEscaping.needsEscape($0) }
        #expect(bad.isEmpty, "\(context) prints raw control characters: \(bad.map { String($0.value, radix: 16) })")
        #expect(!output.split(separator: "\n").contains { $0.hasPrefix("1  2026-01-01") }, "\(context): a name forged a line")
    }

    @Test func textEscapingMakesEveryDangerousCharacterVisible() throws {
        #expect(TextEscaping.escape("a\nb\rc\td") == "a\\nb\\rc\\td")
        #expect(TextEscaping.escape("\u{1B}[2J\u{0}\u{7F}") == "\\x1b[2J\\x00\\x7f")
        #expect(TextEscaping.escape("\u{9B}\u{202E}\u{2028}\u{FEFF}") == "\\u{009b}\\u{202e}\\u{2028}\\u{feff}")
        #expect(TextEscaping.escape("grüße ge-0/0/1.100 ✓") == "grüße ge-0/0/1.100 ✓", "ordinary text stays as it is")
        // JSON: every C0 control, DEL, C1 and the bidi and line separators as \u escapes, and back.
        let json = JSONValue.string("\u{1}\u{7F}\u{85}\u{202E}\u{2029}").compactText
        #expect(json == "\"\\u0001\\u007f\\u0085\\u202e\\u2029\"")
        #expect(try JSONValue.parse(json) == .string("\u{1}\u{7F}\u{85}\u{202E}\u{2029}"))
    }

    @Test func decodeEscapesServerNames() throws {
        let directory = try TemporaryDirectory(prefix: "dk-hostile")
        let input = directory.appending("frames.hex")
        let hex = try Self.names.map { hexString(try FixtureFrames.direct(named: $0)) }
        try Data((hex.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))

        let text = try runProcess(TestPaths.dhcpkafka, ["decode", input])
        #expect(text.status == 0, "\(text.stderrText)")
        Self.expectInert(text.stdoutText, "decode")
        #expect(text.stdoutText.contains("DHCPKafkaMessage from evil\\n1  2026"))
        #expect(text.stdoutText.contains("clear\\x1b[2Jscreen") && text.stdoutText.contains("rtl\\u{202e}txt.exe"))
        let plain = try runProcess(
            TestPaths.dhcpkafka, ["decode"], stdin: Array((hexString(try FixtureFrames.direct(named: "plain")) + "\n").utf8))
        let linesPerFrame = plain.stdoutText.split(separator: "\n").count
        #expect(linesPerFrame >= 3)
        #expect(text.stdoutText.split(separator: "\n").count == linesPerFrame * Self.names.count, "no line forged")

        let json = try runProcess(TestPaths.dhcpkafka, ["decode", "--json", input])
        Self.expectInert(json.stdoutText, "decode --json")
        let names = try InspectionHarness.jsonLines(json).map { $0["server_name"]?.stringValue }
        #expect(names == Self.names, "JSON carries the names exactly")
    }

    /// Log lines escape what they carry: here the socket and spool paths in `run`'s "ready" line.
    @Test func daemonLogLinesEscapeTheirText() throws {
        let directory = try TemporaryDirectory(prefix: "dk-hostile")
        let hostile = directory.appending("a\n[forged] ready\u{1B}[2J\u{202E}")
        try FileManager.default.createDirectory(atPath: hostile, withIntermediateDirectories: false)
        let socket = hostile + "/s.sock"
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", socket, "--spool", hostile + "/spool", "--no-forward"],
            logPath: directory.appending("daemon.log"))
        // The "ready" line carries both paths; the exit status is not what this test is about. The
        // paths themselves contain " ready": wait for the line's own ending.
        #expect(waitUntil(timeout: 60) { daemon.log.range(of: #"\] dhcpkafka \S+ ready"#, options: .regularExpression) != nil || !daemon.process.isRunning }, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) != nil, "\(daemon.log)")
        let log = daemon.log
        #expect(log.contains("ready"), "\(log)")
        Self.expectInert(log, "run's log")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("[forged]") }, "a path forged a log line: \(log)")
        #expect(log.contains("a\\n[forged] ready\\x1b[2J\\u{202e}"), "\(log)")
    }

    @Test func spoolListTailAndShowEscapeServerNames() throws {
        let directory = try TemporaryDirectory(prefix: "dk-hostile")
        let path = directory.appending("spool")
        try FixtureFrames.spool(at: path, serverNames: Self.names)

        for arguments in [["spool", "list"], ["spool", "tail", "-n", "100"]] {
            let result = try runProcess(TestPaths.dhcpkafka, arguments + ["--spool", path], timeout: 60)
            #expect(result.status == 0, "\(arguments): \(result.stderrText)")
            Self.expectInert(result.stdoutText, arguments.joined(separator: " "))
            #expect(result.stdoutText.split(separator: "\n").count == Self.names.count, "\(arguments): one line per frame")
            let json = try runProcess(TestPaths.dhcpkafka, arguments + ["--json", "--spool", path], timeout: 60)
            Self.expectInert(json.stdoutText, arguments.joined(separator: " ") + " --json")
            #expect(try InspectionHarness.jsonLines(json).map { $0["server_name"]?.stringValue } == Self.names)
        }
        for sequence in 1...Self.names.count {
            let result = try runProcess(TestPaths.dhcpkafka, ["spool", "show", String(sequence), "--spool", path], timeout: 60)
            #expect(result.status == 0, "\(result.stderrText)")
            Self.expectInert(result.stdoutText, "spool show \(sequence)")
        }
    }
}
