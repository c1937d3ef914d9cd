import DHCPKafkaTestSupport
import Foundation
import Testing

/// Settings checked beyond the parser, as the real binary sees them: Kafka properties by librdkafka
/// itself, at the line that set them; every problem in one round; no internal tags; secrets kept off
/// the command line and out of files others can read.
@Suite struct ConfigValidationTests {
    static func dhcpkafka(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try runProcess(TestPaths.dhcpkafka, arguments, environment: environment, timeout: 60)
    }

    static func write(_ text: String, _ name: String, mode: mode_t = 0o600, in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, mode) == 0)
        return path
    }

    /// Each property librdkafka refuses (unknown, misspelt, bad value, a CA file that does not exist)
    /// is refused by check-config and by `run` before it creates a socket, at its line.
    @Test(arguments: [
        ("kafka-property no.such.property 1", "Unknown Kafka property 'no.such.property'"),
        ("kafka-property compression.type zstd9", "Invalid value for Kafka property 'compression.type'"),
        ("kafka-property ssl.ca.locaton /etc/ssl/certs/ca-certificates.crt", "Unknown Kafka property 'ssl.ca.locaton'"),
        ("kafka-property security.protocol tls", "Invalid value for Kafka property 'security.protocol'"),
        ("kafka-property ssl.ca.location /nonexistent/ca.pem", "ssl.ca.location failed"),
    ])
    func librdkafkaRefusalsNameTheLine(_ line: String, _ message: String) throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let path = try Self.write(
            "<forwarder>\n    kafka-property security.protocol=ssl\n    \(line)\n</forwarder>\n", "dhcpkafka.conf", in: directory)
        let check = try Self.dhcpkafka(["check-config", path])
        #expect(check.status == 2)
        #expect(check.stderrText.hasPrefix("\(path):3: <forwarder> kafka-property: "), "\(check.stderrText)")
        #expect(check.stderrText.contains(message), "\(check.stderrText)")
        let socket = directory.appending("s.sock")
        let run = try Self.dhcpkafka(["run", "--config", path, "--socket", socket, "--spool", directory.appending("spool")])
        #expect(run.status == 2)
        #expect(run.stderrText.contains("\(path):3: <forwarder> kafka-property: "), "\(run.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: socket))
        if line.contains("/nonexistent/ca.pem") {
            #expect(check.stderrText.contains("(/nonexistent/ca.pem: No such file or directory)"), "\(check.stderrText)")
        }
    }

    /// Without a config file, `run` names the option and never reports ready.
    @Test func runRefusesABadPropertyOnTheCommandLine() throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let socket = directory.appending("s.sock")
        let run = try Self.dhcpkafka([
            "run", "--socket", socket, "--spool", directory.appending("spool"), "--kafka-property", "compression.type=zstd9",
        ])
        #expect(run.status == 2)
        #expect(run.stderrText.contains("--kafka-property: Invalid value for Kafka property 'compression.type'"), "\(run.stderrText)")
        #expect(!run.stderrText.contains("ready"))
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    /// Lines the parser refused and settings refused later are reported together, in line order,
    /// in plain words; a backoff too short is one precise message; no internal tag leaks.
    @Test func everyProblemInOneRoundWithoutTags() throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let path = try Self.write(
            """
            <send-to-kafka>
                topic no topic!
            </send-to-kafka>
            <socket>
                colour blue
                group no-such-group-dk
            </socket>
            <forwarder>
                backoff-max 0.01
                kafka-property no.such.property=1
            </forwarder>

            """, "dhcpkafka.conf", in: directory)
        let check = try Self.dhcpkafka(["check-config", path])
        #expect(check.status == 2)
        let lines = check.stderrText.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(check.stderrText)")
        #expect(lines.map { $0.split(separator: ":").dropFirst().first.map(String.init) ?? "" } == ["2", "5", "6", "9", "10"], "\(lines)")
        #expect(lines[0].hasPrefix("\(path):2: <send-to-kafka> topic: 'no topic!' is not a valid Kafka topic name"))
        #expect(lines[2] == "\(path):6: <socket> group: there is no group named 'no-such-group-dk'; create it (groupadd no-such-group-dk) or name an existing group")
        #expect(lines[3] == "\(path):9: <forwarder> backoff-max: 0.01 s is shorter than the shortest retry delay (backoff-min, 0.1 s); make it at least that")
        #expect(!check.stderrText.contains("[invalid") && !check.stderrText.contains("Topic]"))
        let forward = try Self.dhcpkafka(["forward", "--spool", directory.appending("none")])
        #expect(forward.status == 1)
        #expect(!forward.stderrText.contains("noSpool") && !forward.stderrText.contains("directoryMissing"), "\(forward.stderrText)")
        let group = try Self.dhcpkafka(["run", "--socket-group", "no-such-group-dk", "--socket", directory.appending("s.sock"), "--no-forward"])
        #expect(group.status == 2)
        #expect(group.stderrText.contains("--socket-group: there is no group named 'no-such-group-dk'"), "\(group.stderrText)")
    }

    /// Secrets from a property file and from systemd credentials: read, and reported at their own
    /// file and line when refused.
    @Test func propertyFilesAndCredentials() throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let properties = try Self.write("# secrets\nsasl.password = s3cret\n\nno.such.property=1\nnot a property\n", "kafka.secret", in: directory)
        let config = try Self.write(
            "<forwarder>\n    kafka-property-file \(properties)\n</forwarder>\n", "dhcpkafka.conf", in: directory)
        let check = try Self.dhcpkafka(["check-config", config])
        #expect(check.status == 2)
        #expect(check.stderrText == "\(properties):5: a Kafka property line is name=value (like sasl.password=...); this line has no '='\n", "\(check.stderrText)")
        _ = try Self.write("# secrets\nsasl.password = s3cret\n\nno.such.property=1\n", "kafka.secret", in: directory)
        let unknown = try Self.dhcpkafka(["check-config", config])
        #expect(unknown.status == 2)
        #expect(unknown.stderrText.hasPrefix("\(properties):4: Unknown Kafka property 'no.such.property'"), "\(unknown.stderrText)")
        #expect(!unknown.stderrText.contains("s3cret"))
        let credentials = directory.appending("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
        let credentialFile = try Self.write("security.protocol=ssl\nssl.ca.location=/nonexistent/ca.pem\n", "credentials/kafka.properties", in: directory)
        let plain = try Self.write("<forwarder>\n    backoff-min 1\n</forwarder>\n", "plain.conf", in: directory)
        let fromCredentials = try Self.dhcpkafka(["check-config", plain], environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(fromCredentials.status == 2)
        #expect(fromCredentials.stderrText.hasPrefix("\(credentialFile):2: librdkafka refused the configuration: ssl.ca.location failed"), "\(fromCredentials.stderrText)")
    }

    /// A secret on the command line is warned about (without its value); a config file everyone can
    /// read that holds a secret, and a property file everyone can read, are warned about by check-config.
    @Test func secretsOthersCanReadAreWarnedAbout() throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let forward = try Self.dhcpkafka([
            "forward", "--spool", directory.appending("none"), "--kafka-property", "sasl.password=hunter2-cmdline",
        ])
        #expect(forward.stderrText.contains("the secret Kafka property sasl.password is given with --kafka-property on the command line"), "\(forward.stderrText)")
        #expect(!forward.stderrText.contains("hunter2-cmdline"))
        let config = try Self.write(
            "<forwarder>\n    backoff-min 1\n    kafka-property sasl.password hunter2\n</forwarder>\n", "dhcpkafka.conf", mode: 0o644, in: directory)
        let open = try Self.dhcpkafka(["check-config", config])
        #expect(open.status == 0, "\(open.stderrText)")
        #expect(open.stderrText.contains("warning: \(config):3: sasl.password is a secret, and every local user can read this file (mode 0644)"), "\(open.stderrText)")
        #expect(!open.stderrText.contains("hunter2") && !open.stdoutText.contains("hunter2"))
        // `run` says the same in its log.
        let run = try Self.dhcpkafka(["run", "--config", config, "--spool", directory.appending("no/such/parent"), "--no-forward"])
        #expect(run.status == 1)
        #expect(run.stderrText.contains("\(config):3: sasl.password is a secret, and every local user can read this file"), "\(run.stderrText)")
        #expect(chmod(config, 0o640) == 0)
        let closed = try Self.dhcpkafka(["check-config", config])
        #expect(closed.status == 0)
        #expect(closed.stderrText.isEmpty, "\(closed.stderrText)")
        let properties = try Self.write("sasl.username=relay\n", "kafka.secret", mode: 0o604, in: directory)
        let withFile = try Self.write("<forwarder>\n    kafka-property-file \(properties)\n</forwarder>\n", "f.conf", mode: 0o640, in: directory)
        let readable = try Self.dhcpkafka(["check-config", withFile])
        #expect(readable.status == 0)
        #expect(readable.stderrText.contains("warning: \(properties): this Kafka property file is readable by every local user (mode 0604)"), "\(readable.stderrText)")
    }

    /// SIGHUP with a property librdkafka refuses keeps the running configuration (and forwarder)
    /// and says why, at the line.
    @Test func reloadRefusesAPropertyLibrdkafkaRejects() throws {
        let directory = try TemporaryDirectory(prefix: "dk-validate")
        let socket = directory.appending("s.sock")
        let base = "<socket>\n    path \(socket)\n</socket>\n<spool>\n    path \(directory.appending("spool"))\n</spool>\n"
            + "<send-to-kafka>\n    broker 127.0.0.1:\(try freeLoopbackPort())\n</send-to-kafka>\n"
        let config = try Self.write(base + "<forwarder>\n    backoff-min 0.2\n</forwarder>\n", "dhcpkafka.conf", in: directory)
        let daemon = try ChildProcess(TestPaths.dhcpkafka, ["run", "--config", config], logPath: directory.appending("daemon.log"))
        defer { if daemon.process.isRunning { daemon.killHard() } }
        #expect(waitUntil(timeout: 30) { daemon.log.contains("started forwarder") }, "\(daemon.log)")
        _ = try Self.write(
            base + "<forwarder>\n    backoff-min 0.5\n    kafka-property compression.type zstd9\n</forwarder>\n", "dhcpkafka.conf", in: directory)
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 30) { daemon.log.contains("config reload failed") }, "\(daemon.log)")
        #expect(daemon.log.contains(
            "config reload failed, keeping the running configuration: \(config):12: <forwarder> kafka-property: Invalid value for Kafka property 'compression.type'"),
            "\(daemon.log)")
        #expect(!daemon.log.contains("by restarting the forwarder"))
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0, "\(daemon.log)")
    }
}
