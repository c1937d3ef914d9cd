import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka decode`, `version` and `--help`, run as the real binary.
@Suite struct CLITests {
    static let fixtureFiles = ["all", "direct", "relayed", "server-names", "edge-cases"]

    static func fixturePath(_ group: String) -> String {
        TestPaths.fixtures.appendingPathComponent("frames/\(group).hex").path
    }

    /// The hex lines of a fixture file (comments and blank lines skipped), with their 1-based line numbers.
    static func hexLines(_ group: String) throws -> [(line: Int, hex: String)] {
        let text = try String(contentsOfFile: fixturePath(group), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            line.isEmpty || line.hasPrefix("#") ? nil : (index + 1, String(line))
        }
    }

    static func dhcpkafka(_ arguments: [String], stdin: [UInt8] = []) throws -> ProcessResult {
        try runProcess(TestPaths.dhcpkafka, arguments, stdin: stdin, timeout: 60)
    }

    /// Every non-empty stdout line, parsed as JSON.
    static func jsonLines(_ result: ProcessResult) throws -> [JSONValue] {
        try result.stdoutText.split(separator: "\n").map { line throws(JSONParseError) in try JSONValue.parse(String(line)) }
    }

    // MARK: - decode --json on the fixtures

    @Test(arguments: fixtureFiles)
    func jsonForEveryFixtureFile(_ group: String) throws {
        let result = try Self.dhcpkafka(["decode", "--json", Self.fixturePath(group)])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stderr.isEmpty)
        let lines = try Self.jsonLines(result)
        #expect(lines.count == (try Self.hexLines(group)).count)
        for value in lines {
            #expect(value["kafka_type"]?.intValue != nil)
        }
    }

    @Test func jsonValues() throws {
        let result = try Self.dhcpkafka(["decode", "--json", Self.fixturePath("all")])
        let lines = try Self.jsonLines(result)
        try #require(lines.count == 26)
        let hex = try Self.hexLines("all").map(\.hex)

        // direct-01: solicit -> advertise, the transaction id as in the frame's bytes.
        let direct = lines[0]
        #expect(direct["kafka_type"] == 1)
        #expect(direct["server_name"] == "kea01.example.net")
        #expect(direct["message_in"]?["type"] == "solicit")
        #expect(direct["message_out"]?["type"] == "advertise")
        let frame = hexBytes(hex[0])
        let messageIn = 2 + Int(frame[1]) + 8 + 2  // type, name-len, name, timestamp-in, len-in
        #expect(direct["message_in"]?["transaction_id"] == .string(hexString(frame[(messageIn + 1)..<(messageIn + 4)])))
        #expect(direct["message_out"]?["transaction_id"] == direct["message_in"]?["transaction_id"])
        #expect(direct["client_duid"]?.stringValue?.hasPrefix("0001") == true)  // DUID-LLT from dhclient -N
        #expect(direct["timestamp_in"]?.doubleValue.map { $0 > 1_795_555_000 } == true)

        // relayed-05 (line 12): relay-forw with the crafted Interface-ID and Remote-ID.
        let relayed = lines[11]
        #expect(relayed["message_in"]?["type"] == "relay-forw")
        #expect(relayed["message_in"]?["relayed_message"]?["type"] == "solicit")
        #expect(relayed["message_out"]?["type"] == "relay-repl")
        #expect(relayed["interface_id"] == .string(hexString(Array("ge-0/0/1.42".utf8))))
        #expect(relayed["remote_id"] == .string(hexString(Array("CPE-4C:5E:0C:12:34:56".utf8))))
        #expect(relayed["remote_id_enterprise_number"] == 4874)
        #expect(relayed["client_duid"] != nil)
        // relayed-01 (line 8): dhcrelay's 4-byte interface-id.
        #expect(lines[7]["interface_id"] == "01000000")

        // relayed-09: no answer.
        #expect(lines[15]["message_out"]?.isNull == true)
        #expect(lines[15]["message_in"]?["type"] == "relay-forw")

        // zurich server name, verbatim (not escaped) in the JSON.
        #expect(lines[16]["server_name"] == "dhcp-zürich-01.example.net")
        #expect(result.stdoutText.contains("\"server_name\":\"dhcp-zürich-01.example.net\""))

        // edge cases: empty name, absent messages, unknown type 7.
        #expect(lines[21]["server_name"] == "")
        #expect(lines[23]["message_in"]?.isNull == true)
        #expect(lines[23]["message_out"]?["type"] == "reply")
        #expect(lines[24]["message_in"]?.isNull == true)
        #expect(lines[24]["message_out"]?.isNull == true)
        let unknownLine = result.stdoutText.split(separator: "\n")[25]
        #expect(unknownLine == #"{"kafka_type":7,"data":"\#(hex[25].dropFirst(2))"}"#)
    }

    // MARK: - text output

    @Test func textOutput() throws {
        let result = try Self.dhcpkafka(["decode", Self.fixturePath("all")])
        #expect(result.status == 0, "\(result.stderrText)")
        let text = result.stdoutText
        let path = Self.fixturePath("all")
        let lines = try Self.hexLines("all")
        #expect(text.contains("frame 1 (\(path):\(lines[0].line)): DHCPKafkaMessage from kea01.example.net"))
        #expect(text.contains("DHCPKafkaMessage from dhcp-zürich-01.example.net"))
        #expect(text.contains("DHCPKafkaMessage from (no name)"))
        #expect(text.contains("frame 26 (\(path):\(lines[25].line)): unknown kafka type 7, 31 bytes of data"))
        #expect(text.contains("interface-id \"ge-0/0/1.42\""))
        #expect(text.contains("(none)"))
        for frame in 1...26 { #expect(text.contains("frame \(frame) (")) }
    }

    // MARK: - input sources

    @Test func standardInput() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixturePath("direct"))))
        for arguments in [["decode", "--json", "-"], ["decode", "--json"]] {
            let result = try Self.dhcpkafka(arguments, stdin: bytes)
            #expect(result.status == 0, "\(arguments): \(result.stderrText)")
            #expect(try Self.jsonLines(result).count == 7)
        }
        let text = try Self.dhcpkafka(["decode"], stdin: bytes)
        let first = try Self.hexLines("direct")[0].line
        #expect(text.stdoutText.hasPrefix("frame 1 (stdin:\(first)): DHCPKafkaMessage from kea01.example.net"))
    }

    @Test func rawInput() throws {
        let directory = try TemporaryDirectory()
        let hex = try Self.hexLines("all").map(\.hex)
        let relayedPath = directory.appending("relayed-05.bin")
        let unknownPath = directory.appending("unknown-7.bin")
        FileManager.default.createFile(atPath: relayedPath, contents: Data(hexBytes(hex[11])))
        FileManager.default.createFile(atPath: unknownPath, contents: Data(hexBytes(hex[25])))
        for input in [["--input", "raw"], ["--input", "auto"], []] {
            let result = try Self.dhcpkafka(["decode", "--json"] + input + [relayedPath, unknownPath])
            #expect(result.status == 0, "\(input): \(result.stderrText)")
            let lines = try Self.jsonLines(result)
            try #require(lines.count == 2)
            #expect(lines[0]["message_in"]?["type"] == "relay-forw")
            #expect(lines[0]["remote_id_enterprise_number"] == 4874)
            #expect(lines[1]["kafka_type"] == 7)
        }
        let text = try Self.dhcpkafka(["decode", relayedPath])
        #expect(text.stdoutText.hasPrefix("frame 1 (\(relayedPath)): DHCPKafkaMessage from kea01.example.net"))
        // Raw input on standard input.
        let stdin = try Self.dhcpkafka(["decode", "--json", "--input", "raw"], stdin: hexBytes(hex[0]))
        #expect(stdin.status == 0)
        #expect(try Self.jsonLines(stdin).first?["message_in"]?["type"] == "solicit")
    }

    /// Hex text forced through `--input raw` would "decode" as an unknown kafka type: it is reported,
    /// with the option to use, and the exit status says so.
    @Test func hexTextReadAsRawIsReported() throws {
        let hexText = Array(try #require(Self.hexLines("all").first).hex.utf8) + [0x0a]
        let result = try Self.dhcpkafka(["decode", "--input", "raw"], stdin: hexText)
        #expect(result.status == 1)
        #expect(result.stderrText.contains("the input is hex text, not a binary frame"))
        #expect(result.stderrText.contains("--input hex"))
        #expect(result.stdoutText.isEmpty)
        let json = try Self.dhcpkafka(["decode", "--json", "--input", "raw"], stdin: hexText)
        #expect(try Self.jsonLines(json).first?["code"] == "hex-as-raw")
        // A real unknown type in binary form still decodes as dhcpkit-kafka does, exit 0.
        let unknown = try Self.dhcpkafka(["decode", "--input", "raw"], stdin: [0x07, 0x00, 0xff])
        #expect(unknown.status == 0, "\(unknown.stderrText)")
        #expect(unknown.stdoutText.contains("unknown kafka type 7"))
    }

    /// The hidden `ingest-worker` runs only with what `run` hands it: started by hand it says so
    /// (exit 64); with a configuration it cannot decode it names the cause (exit 2). `run` started as
    /// the ingest worker of an older `run` (an upgrade replaced the file under it) refuses (exit 1).
    @Test func ingestWorkerRunsOnlyUnderRun() throws {
        let alone = try runProcess(TestPaths.dhcpkafka, ["ingest-worker"])
        #expect(alone.status == 64)
        #expect(alone.stderrText.contains("only `dhcpkafka run` starts the ingest worker"), "\(alone.stderrText)")
        var environment = ProcessInfo.processInfo.environment
        environment["DHCPKAFKA_INGEST_WORKER"] = "0"
        environment["DHCPKAFKA_INGEST_CONFIGURATION"] = #"{"spoolPath": "/nonexistent"}"#
        let garbled = try runProcess(TestPaths.dhcpkafka, ["ingest-worker"], environment: environment)
        #expect(garbled.status == 2)
        #expect(garbled.stderrText.contains("does not decode"), "\(garbled.stderrText)")
        let nested = try runProcess(
            TestPaths.dhcpkafka, ["run", "--socket", "/nonexistent/ingest.sock", "--spool", "/nonexistent/spool"],
            environment: environment)
        #expect(nested.status == 1)
        #expect(nested.stderrText.contains("started as the ingest worker of an older dhcpkafka run"), "\(nested.stderrText)")
    }

    /// librdkafka's own log lines (which carry broker names from the network) never reach the
    /// terminal raw: without --verbose only the last warning is shown, escaped, with the failure.
    @Test func consumeAgainstNoBrokerPrintsNoRawLibrdkafkaLines() throws {
        let quiet = try Self.dhcpkafka(["consume", "--broker", "127.0.0.1:1", "--connect-timeout", "2"])
        #expect(quiet.status == 1)
        let lines = quiet.stderrText.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("%") }, "raw librdkafka line: \(quiet.stderrText)")
        #expect(lines.first?.hasPrefix("dhcpkafka consume: cannot read dhcpkit.messages from 127.0.0.1:1") == true)
        #expect(quiet.stderrText.contains("last librdkafka message: "))
        let verbose = try Self.dhcpkafka(["consume", "--broker", "127.0.0.1:1", "--connect-timeout", "2", "--verbose"])
        #expect(verbose.status == 1)
        #expect(verbose.stderrText.split(separator: "\n").contains { $0.hasPrefix("librdkafka ") })
        #expect(!verbose.stderrText.split(separator: "\n").contains { $0.hasPrefix("%") })
    }

    @Test func crlfHexFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("crlf.hex")
        let text = try String(contentsOfFile: Self.fixturePath("edge-cases"), encoding: .utf8)
        FileManager.default.createFile(atPath: path, contents: Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let result = try Self.dhcpkafka(["decode", "--json", path])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(try Self.jsonLines(result).count == 5)
    }

    // MARK: - bad frames

    /// Two good frames, a non-hex line, a truncated frame, a frame with a trailing byte, and a good frame.
    static func mixedFile(in directory: TemporaryDirectory) throws -> (path: String, good: [String]) {
        let hex = try hexLines("direct").map(\.hex)
        let lines = [
            "# a hand-made mix of good and bad frames",
            hex[0],
            hex[1],
            "01 this is not hex",
            String(hex[2].prefix(40)),  // 20 bytes: cut inside timestamp-in (name-len 17 -> timestamp-in at 19)
            hex[3] + "00",
            "",
            hex[4],
        ]
        let path = directory.appending("mixed.hex")
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        return (path, [hex[0], hex[1], hex[4]])
    }

    @Test(arguments: [["--input", "hex"], ["--input", "auto"], []])
    func mixedGoodAndBadFramesAsText(_ input: [String]) throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try Self.mixedFile(in: directory)
        let result = try Self.dhcpkafka(["decode"] + input + [path])
        #expect(result.status == 1)
        let out = result.stdoutText
        #expect(out.contains("frame 1 (\(path):2): DHCPKafkaMessage from kea01.example.net"))
        #expect(out.contains("frame 2 (\(path):3): DHCPKafkaMessage"))
        #expect(out.contains("frame 6 (\(path):8): DHCPKafkaMessage"))
        #expect(!out.contains("frame 3 (") && !out.contains("frame 4 (") && !out.contains("frame 5 ("))
        let errors = result.stderrText.split(separator: "\n").map(String.init)
        #expect(
            errors == [
                "frame 3 (\(path):4): not hex: 't' at character 4",
                "frame 4 (\(path):5): timestamp-in at byte 19: needs 8 bytes, 1 left",
                "frame 5 (\(path):6): frame at byte 397: 1 unexpected byte after message-out",
                "3 of 6 frames did not decode",
            ])
    }

    @Test func mixedGoodAndBadFramesAsJSON() throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try Self.mixedFile(in: directory)
        let result = try Self.dhcpkafka(["decode", "--json", path])
        #expect(result.status == 1)
        let lines = try Self.jsonLines(result)
        try #require(lines.count == 6)
        #expect(lines[0]["kafka_type"] == 1)
        #expect(lines[1]["kafka_type"] == 1)
        #expect(lines[5]["kafka_type"] == 1)
        let errorKeys = ["frame", "origin", "error", "code", "field", "offset"]
        for value in lines[2...4] {
            guard case .object(let members) = value else {
                Issue.record("not an object: \(value)")
                continue
            }
            #expect(members.map(\.0) == errorKeys)
        }
        #expect(lines[2]["frame"] == 3)
        #expect(lines[2]["origin"] == .string("\(path):4"))
        #expect(lines[2]["code"] == "bad-hex")
        #expect(lines[2]["error"] == "not hex: 't' at character 4")
        #expect(lines[3]["code"] == "truncated")
        #expect(lines[3]["field"] == "timestamp-in")
        #expect(lines[3]["offset"] == 19)
        #expect(lines[3]["error"] == "timestamp-in at byte 19: needs 8 bytes, 1 left")
        #expect(lines[4]["code"] == "trailing-bytes")
        #expect(lines[4]["field"] == "frame")
        #expect(lines[4]["offset"] == 397)
        #expect(lines[4]["origin"] == .string("\(path):6"))
        #expect(result.stderrText.contains("3 of 6 frames did not decode"))
    }

    @Test func invalidDHCPv6IsReportedWithItsPath() throws {
        // direct-05 with the first option's length (at 2+17+8+2+4+2 = 35) running past the end.
        var frame = hexBytes(try Self.hexLines("direct")[4].hex)
        frame[35] = 0xFF
        let result = try Self.dhcpkafka(["decode", "--json", "-"], stdin: Array((hexString(frame) + "\n").utf8))
        #expect(result.status == 1)
        let error = try #require(try Self.jsonLines(result).first)
        #expect(error["code"] == "invalid-dhcpv6")
        #expect(error["field"] == "message-in.option 1 (client-id).option-len")
        #expect(error["offset"] == 35)
        #expect(error["origin"] == "stdin:1")
    }

    @Test func missingFile() throws {
        let result = try Self.dhcpkafka(["decode", "/nonexistent/frames.hex"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("cannot read /nonexistent/frames.hex: No such file or directory"))
        // Nothing is decoded when one of several files is missing.
        let two = try Self.dhcpkafka(["decode", Self.fixturePath("direct"), "/nonexistent/frames.hex"])
        #expect(two.status == 2)
        #expect(two.stdout.isEmpty)
    }

    /// Endless inputs end with an error after reading at most one frame's worth: before, raw input was
    /// read whole (1.1 GB/s from /dev/zero) and `decode /dev/zero` said "no such file".
    @Test(arguments: [["--input", "raw"], ["--input", "auto"], [], ["--input", "hex"]])
    func endlessInputIsBounded(_ input: [String]) throws {
        let result = try Self.dhcpkafka(["decode"] + input + ["/dev/zero"])
        #expect(result.status == 1, "\(input): \(result.stderrText)")
        #expect(!result.stderrText.contains("no such file"), "\(result.stderrText)")
        let expected = input == ["--input", "hex"] ? "line is longer than the hex of the largest frame" : "more than 131347 bytes"
        #expect(result.stderrText.contains("frame 1 (/dev/zero"), "\(result.stderrText)")
        #expect(result.stderrText.contains(expected), "\(input): \(result.stderrText)")
        let json = try Self.dhcpkafka(["decode", "--json"] + input + ["/dev/zero"])
        #expect(try Self.jsonLines(json).first?["code"] == "too-large")
    }

    @Test func emptyInputIsAnErrorButNoFramesIsNot() throws {
        let empty = try Self.dhcpkafka(["decode"], stdin: [])
        #expect(empty.status == 2)
        #expect(empty.stderrText.contains("standard input is empty: no frames to decode"), "\(empty.stderrText)")
        let comments = try Self.dhcpkafka(["decode"], stdin: Array("# nothing here\n\n".utf8))
        #expect(comments.status == 0, "\(comments.stderrText)")
        #expect(comments.stdout.isEmpty && comments.stderr.isEmpty)
    }

    @Test func checkConfigRefusesAnEndlessFile() throws {
        let result = try Self.dhcpkafka(["check-config", "/dev/zero"])
        #expect(result.status == 2, "\(result.stderrText)")
        #expect(result.stderrText.contains("/dev/zero: the config file is larger than 1 MiB"), "\(result.stderrText)")
    }

    @Test func unknownInputFormatIsAUsageError() throws {
        let result = try Self.dhcpkafka(["decode", "--input", "base64", Self.fixturePath("direct")])
        #expect(result.status == 64)  // ArgumentParser's EX_USAGE
        #expect(result.stderrText.contains("--input"))
    }

    // MARK: - version and help

    @Test func version() throws {
        let result = try Self.dhcpkafka(["version"])
        #expect(result.status == 0)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 3)
        #expect(lines[0].hasPrefix("dhcpkafka "))
        #expect(lines[1].hasPrefix("librdkafka "))
        #expect(lines[1].dropFirst("librdkafka ".count).first?.isNumber == true)
        #expect(lines[2].hasPrefix("LMDB 0."))
        let flag = try Self.dhcpkafka(["--version"])
        #expect(flag.stdoutText == lines[0].dropFirst("dhcpkafka ".count) + "\n")
    }

    @Test func help() throws {
        let result = try Self.dhcpkafka(["--help"])
        #expect(result.status == 0)
        for subcommand in ["run", "spool", "decode", "version"] {
            #expect(result.stdoutText.contains("\n  \(subcommand) "), "\(subcommand) missing from --help")
        }
        let decode = try Self.dhcpkafka(["decode", "--help"])
        #expect(decode.status == 0)
        #expect(decode.stdoutText.contains("--input"))
        #expect(decode.stdoutText.contains("--json"))
    }
}
