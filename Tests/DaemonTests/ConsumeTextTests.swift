import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

/// `dhcpkafka consume` text output with hostile server names, in the frames and so in the records'
/// `dhcpkafka-server` headers: shown escaped, never as raw control characters or forged lines.
@Suite struct ConsumeTextTests {
    static let names = ["evil\n[0:99] forged", "clear\u{1B}[2J", "nul\u{0}x", "rtl\u{202E}txt", "csi\u{9B}31m"]

    @Test func consumeEscapesNamesAndHeaders() throws {
        let cluster = try MockCluster.forTests()
        let directory = try TemporaryDirectory(prefix: "dk-consume")
        let path = directory.appending("spool")
        try FixtureFrames.spool(at: path, serverNames: Self.names)

        let forwarder = try ChildProcess(
            TestPaths.dhcpkafka,
            ["forward", "--spool", path, "--broker", cluster.bootstrapServers, "--server-name", "fwd"],
            logPath: directory.appending("forward.log"))
        let drained = waitUntil(timeout: 120) {
            guard let reader = try? Spool.openReadOnly(at: path) else { return false }
            defer { try? reader.close() }
            return (try? reader.stats().storedFrames) == 0
        }
        forwarder.signal(SIGTERM)
        _ = forwarder.wait(timeout: 60)
        try #require(drained, "\(forwarder.log)")

        let result = try runProcess(
            TestPaths.dhcpkafka,
            ["consume", "--broker", cluster.bootstrapServers, "--count", String(Self.names.count), "--idle-timeout", "30"],
            timeout: 120)
        #expect(result.status == 0, "\(result.stderrText)")
        let output = result.stdoutText
        let raw = output.unicodeScalars.filter { $0 != "\n" && TextEscapingOracle.dangerous($0) }
        #expect(raw.isEmpty, "consume prints raw control characters: \(raw.map { String($0.value, radix: 16) })")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2 * Self.names.count, "two lines per record, none forged: \(output)")
        #expect(!lines.contains { $0.hasPrefix("[0:99]") })
        #expect(output.contains("dhcpkafka-server=evil\\n[0:99] forged"), "the header, escaped: \(output)")
        #expect(output.contains("dhcpkafka-server=clear\\x1b[2J"), "\(output)")
        #expect(output.contains("server=evil\\n[0:99] forged"), "\(output)")
    }
}

/// What a terminal acts on, written independently of the code under test: C0, DEL, C1, the
/// line/paragraph separators and the bidi controls.
enum TextEscapingOracle {
    static func dangerous(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
