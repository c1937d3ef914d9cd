import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka-lookingglass --config FILE`: the `<lookingglass>` section of the relay's config style,
/// `<send-to-kafka>`'s brokers, options overriding the file, and file errors as FILE:LINE.
@Suite(.serialized) struct ConfigTests {
    @Test func runsFromAConfigFileAndReportsItsErrors() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 1)
        let dir = try TemporaryDirectory(prefix: "lg-config")
        defer { dir.remove() }
        let port = freeLocalPort()
        let file = dir.appending("lg.conf")
        try """
            <send-to-kafka>
                broker \(cluster.bootstrapServers)
            </send-to-kafka>
            <lookingglass>
                db \(dir.appending("from-file.sqlite"))
                listen 127.0.0.1:1
                keep-days 7
            </lookingglass>
            """.write(toFile: file, atomically: false, encoding: .utf8)
        // --listen on the command line wins over the file's.
        let glass = try ChildProcess(
            RelayCrashTests.lookingGlass, ["--config", file, "--listen", "127.0.0.1:\(port)"],
            logPath: dir.appending("lg.log"), standardOutputToLog: true)
        defer { glass.killHard() }
        #expect(waitUntil(timeout: 120) { httpGet(port: port, path: "/api/servers")?.status == 200 }, "\(glass.log)")
        glass.signal(SIGTERM)
        #expect(glass.wait(timeout: 60) == 0, "\(glass.log)")
        #expect(FileManager.default.fileExists(atPath: dir.appending("from-file.sqlite")))

        // The relay's check-config knows the section: a bad value is FILE:LINE.
        try """
            <lookingglass>
                db /tmp/x.sqlite
                keep-days none
            </lookingglass>
            """.write(toFile: file, atomically: false, encoding: .utf8)
        let checked = try runProcess(TestPaths.dhcpkafka, ["check-config", file], timeout: 60)
        #expect(checked.status == 2)
        #expect(checked.stderrText.contains("\(file):3"), "\(checked.stderrText)")
        let refused = try runProcess(RelayCrashTests.lookingGlass, ["--config", file, "--broker", "127.0.0.1:9"], timeout: 60)
        #expect(refused.status == 2)
        #expect(refused.stderrText.contains("\(file):3"), "\(refused.stderrText)")
    }

    /// `dhcpkafka check-config` shows the `<lookingglass>` settings next to the relay's, with their origin.
    @Test func checkConfigShowsTheLookingGlassSettings() throws {
        let dir = try TemporaryDirectory(prefix: "lg-check")
        defer { dir.remove() }
        let file = dir.appending("lg.conf")
        try """
            <send-to-kafka>
                broker k1.example.net:9092
            </send-to-kafka>
            <lookingglass>
                db /var/lib/dhcpkafka-lookingglass/lg.sqlite
                keep-days 7
            </lookingglass>
            """.write(toFile: file, atomically: false, encoding: .utf8)
        let text = try runProcess(TestPaths.dhcpkafka, ["check-config", file], timeout: 60)
        #expect(text.status == 0, "\(text.stderrText)")
        #expect(text.stdoutText.contains("<lookingglass>\n"), "\(text.stdoutText)")
        let line = text.stdoutText.split(separator: "\n").first { $0.contains("keep-days") }.map(String.init) ?? ""
        #expect(line.contains(" 7 ") && line.contains("\(file):6"), "\(line)")
        let json = try runProcess(TestPaths.dhcpkafka, ["check-config", "--json", file], timeout: 60)
        let settings = try #require(try JSONValue.parse(json.stdoutText)["settings"]?.arrayValue)
        let glass = settings.filter { $0["section"] == "lookingglass" }
        #expect(glass.first { $0["key"] == "db" }?["values"] == ["/var/lib/dhcpkafka-lookingglass/lg.sqlite"])
        #expect(glass.first { $0["key"] == "listen" }?["source"] == "default")
        #expect(glass.first { $0["key"] == "listen" }?["values"] == ["127.0.0.1:8080"])
        // The relay's own keys come first: the first "listen" is still <metrics>'s.
        #expect(settings.first { $0["key"] == "listen" }?["section"] == "metrics")
    }
}
