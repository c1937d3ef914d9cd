import DHCPKafkaConfig
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka check-config` and `run --config` refusing bad files, run as the real binary on real files.
@Suite struct ConfigCommandTests {
    static func dhcpkafka(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestPaths.dhcpkafka, arguments, timeout: 60)
    }

    /// Writes `text` to `name` in `directory` and returns its path.
    static func write(_ text: String, _ name: String = "dhcpkafka.conf", in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        ("<socket>\n    colour blue\n</socket>\n", 2, "unknown key 'colour' in <socket>; its keys are path, mode, group"),
        ("# ok\n<spool>\n    capacity lots\n</spool>\n", 3, "<spool> capacity: 'lots' is not allowed; use a byte count"),
        ("\n<kafka>\n    broker k:9092\n</kafka>\n", 2, "unknown section <kafka>; sections are <send-to-kafka>"),
        ("<forwarder>\n    backoff-min 1\n", 1, "<forwarder> is never closed: add </forwarder>"),
        ("<send-to-kafka>\n    topic a\n    topic b\n</send-to-kafka>\n", 3, "<send-to-kafka> topic is already set on line 2"),
    ])
    func errorsNameFileAndLine(_ text: String, _ line: Int, _ message: String) throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let path = try Self.write(text, in: directory)
        let check = try Self.dhcpkafka(["check-config", path])
        #expect(check.status == 2)
        #expect(check.stdout.isEmpty)
        #expect(check.stderrText.contains("\(path):\(line): \(message)"), "\(check.stderrText)")
        // `run` refuses the same file with the same message, before it creates a socket or spool.
        let socket = directory.appending("s.sock")
        let run = try Self.dhcpkafka(["run", "--config", path, "--socket", socket, "--spool", directory.appending("spool"), "--no-forward"])
        #expect(run.status == 2)
        #expect(run.stderrText.contains("\(path):\(line): \(message)"), "\(run.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(!FileManager.default.fileExists(atPath: directory.appending("spool")))
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let path = try Self.write("<socket>\n mode 8888\n</socket>\n<logging>\n level loud\n</logging>\n", in: directory)
        let check = try Self.dhcpkafka(["check-config", path])
        #expect(check.status == 2)
        let lines = check.stderrText.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(path):2: <socket> mode") == true)
        #expect(lines.last?.hasPrefix("\(path):5: <logging> level: 'loud' is not allowed; use one of trace, debug, info") == true)
    }

    @Test func crossKeyRulesAreChecked() throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let backoff = try Self.write("<forwarder>\n backoff-min 5\n backoff-max 1\n</forwarder>\n", in: directory)
        let check = try Self.dhcpkafka(["check-config", backoff])
        #expect(check.status == 2)
        #expect(
            check.stderrText == "\(backoff):3: <forwarder> backoff-max: 1.0 s is shorter than the shortest retry delay (backoff-min, 5.0 s); make it at least that\n",
            "\(check.stderrText)")
        let reserved = try Self.write("<forwarder>\n kafka-property acks 1\n</forwarder>\n", "b.conf", in: directory)
        let refused = try Self.dhcpkafka(["check-config", reserved])
        #expect(refused.status == 2)
        #expect(refused.stderrText.contains("\(reserved):2: <forwarder> kafka-property: The Kafka property 'acks' is set by DHCPKafka"), "\(refused.stderrText)")
    }

    /// `<metrics> listen` becomes `run --metrics-listen`, and the daemon serves metrics there.
    @Test func metricsListenMapsToTheRunOption() throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let path = try Self.write("<metrics>\n    listen 127.0.0.1:9464\n</metrics>\n", in: directory)
        let check = try Self.dhcpkafka(["check-config", "--json", path])
        #expect(check.status == 0, "\(check.stderrText)")
        let settings = try #require(try JSONValue.parse(check.stdoutText)["settings"]?.arrayValue)
        #expect(settings.first { $0["key"] == "listen" }?["values"] == ["127.0.0.1:9464"])
        // The file takes no port 0, so a free port is chosen first; a parallel test may take it
        // before the daemon binds it: then the daemon exits with "Address already in use" and
        // the test tries another port.
        var started: (daemon: ChildProcess, port: UInt16)?
        for attempt in 0..<5 where started == nil {
            let port = freeLocalPort()
            let served = try Self.write(
                "<metrics>\n    listen 127.0.0.1:\(port)\n</metrics>\n<socket>\n    path \(directory.appending("s.sock"))\n</socket>\n"
                    + "<spool>\n    path \(directory.appending("spool"))\n</spool>\n", "served.conf", in: directory)
            let daemon = try ChildProcess(
                TestPaths.dhcpkafka, ["run", "--config", served, "--no-forward"], logPath: directory.appending("daemon-\(attempt).log"))
            #expect(waitUntil(timeout: 60) { daemon.log.contains("serving metrics") || !daemon.process.isRunning }, "\(daemon.log)")
            if daemon.log.contains("serving metrics") {
                started = (daemon, port)
            } else {
                #expect(daemon.wait(timeout: 60) != nil && daemon.log.contains("Address already in use"), "\(daemon.log)")
            }
        }
        let (daemon, port) = try #require(started, "the daemon never served metrics on a free port")
        #expect(daemon.log.contains("http://127.0.0.1:\(port)/metrics"))
        let scraped = try #require(httpGet(port: port, path: "/metrics"))
        #expect(scraped.status == 200 && scraped.body.contains("dhcpkafka_accepted_frames_total 0"))
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0)
        let bad = try Self.write("<metrics>\n    listen everywhere\n</metrics>\n", "bad.conf", in: directory)
        let refused = try Self.dhcpkafka(["check-config", bad])
        #expect(refused.status == 2)
        #expect(refused.stderrText.contains("\(bad):2: <metrics> listen: 'everywhere' is not allowed; use host:port"))
    }

    /// `forward --config` takes its keys from the file (the spool path here), ignores the keys only
    /// `run` has (the socket), and its own options still win.
    @Test func forwardReadsTheFile() throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let path = try Self.write(
            "<spool>\n    path \(directory.path)/from-file\n    capacity 2G\n</spool>\n<socket>\n    path /x.sock\n</socket>\n",
            in: directory)
        let fromFile = try Self.dhcpkafka(["forward", "--config", path])
        #expect(fromFile.status == 1)
        #expect(fromFile.stderrText.contains("no spool at \(directory.path)/from-file"), "\(fromFile.stderrText)")
        let overridden = try Self.dhcpkafka(["forward", "--config", path, "--spool", directory.appending("from-cli")])
        #expect(overridden.status == 1)
        #expect(overridden.stderrText.contains("no spool at \(directory.path)/from-cli"), "\(overridden.stderrText)")
    }

    @Test func usageErrorsAndUnreadableFiles() throws {
        let none = try Self.dhcpkafka(["check-config"])
        #expect(none.status == 64)
        #expect(none.stderrText.contains("name the config file"))
        let missing = try Self.dhcpkafka(["check-config", "/nonexistent/dhcpkafka.conf"])
        #expect(missing.status == 2)
        #expect(missing.stderrText.contains("/nonexistent/dhcpkafka.conf: cannot read the config file: No such file"))
    }

    @Test func showsEffectiveSettingsWithSecretsMasked() throws {
        let directory = try TemporaryDirectory(prefix: "dk-config")
        let path = try Self.write(
            """
            <send-to-kafka>
                broker k1.example.net:9092
                broker k2.example.net:9092
            </send-to-kafka>
            <forwarder>
                kafka-property sasl.password hunter2-secret
                kafka-property ssl.key.password=pem-pass-word
                kafka-property linger.ms 5
            </forwarder>
            """, in: directory)
        let text = try Self.dhcpkafka(["check-config", path])
        #expect(text.status == 0, "\(text.stderrText)")
        #expect(text.stdoutText.contains("broker                 k2.example.net:9092"))
        #expect(text.stdoutText.contains("# \(path):3"))
        #expect(text.stdoutText.contains("sasl.password=********"))
        #expect(text.stdoutText.contains("linger.ms=5"))
        for secret in ["hunter2", "pem-pass"] {
            #expect(!text.stdoutText.contains(secret) && !text.stderrText.contains(secret))
        }

        let json = try Self.dhcpkafka(["check-config", "--json", path])
        #expect(json.status == 0)
        #expect(!json.stdoutText.contains("hunter2") && !json.stdoutText.contains("pem-pass"))
        let report = try JSONValue.parse(json.stdoutText)
        #expect(report["valid"] == true)
        #expect(report["file"] == .string(path))
        let settings = try #require(report["settings"]?.arrayValue)
        func setting(_ section: String, _ key: String) -> JSONValue? {
            settings.first { $0["section"] == .string(section) && $0["key"] == .string(key) }
        }
        #expect(setting("send-to-kafka", "broker")?["values"] == ["k1.example.net:9092", "k2.example.net:9092"])
        #expect(setting("send-to-kafka", "broker")?["source"] == "file")
        #expect(setting("send-to-kafka", "broker")?["lines"] == [2, 3])
        #expect(setting("send-to-kafka", "topic")?["values"] == ["dhcpkit.messages"])
        #expect(setting("send-to-kafka", "topic")?["source"] == "default")
        #expect(setting("spool", "capacity")?["values"] == ["1G"])
        #expect(setting("forwarder", "kafka-property")?["values"]
            == ["sasl.password=********", "ssl.key.password=********", "linger.ms=5"])
        #expect(setting("metrics", "listen")?["values"] == [])
        #expect(setting("metrics", "listen")?["default"] == "disabled")
        #expect(setting("metrics", "listen")?["option"] == "--metrics-listen")
        #expect(setting("logging", "level")?["reload"] == "applied")
    }

    /// The example is valid as shipped, on a host set up as deploy/ describes. check-config checks
    /// that the socket's group exists; the example's `dhcpkafka` group is made by
    /// deploy/systemd/dhcpkafka.sysusers, so where it does not exist the check must name it, and a
    /// copy with `group nogroup` stands in for a prepared host.
    /// An unknown log level on the command line is refused, as it is in the file, not quietly
    /// replaced by `info`.
    @Test func unknownLogLevelIsRefused() throws {
        for command in ["run", "forward"] {
            let result = try Self.dhcpkafka([command, "--log-level", "verbose"])
            #expect(result.status == 64, "\(command): \(result.stderrText)")
            #expect(result.stderrText.contains("--log-level 'verbose' is not a level"), "\(result.stderrText)")
        }
    }

    @Test func exampleConfigIsValid() throws {
        var example = TestPaths.repositoryRoot.appendingPathComponent("deploy/dhcpkafka.conf").path
        let directory = try TemporaryDirectory(prefix: "dk-example")
        if getgrnam("dhcpkafka") == nil {
            let unprepared = try Self.dhcpkafka(["check-config", example])
            #expect(unprepared.status == 2)
            #expect(unprepared.stderrText.contains("<socket> group: there is no group named 'dhcpkafka'"), "\(unprepared.stderrText)")
            let text = try String(contentsOfFile: example, encoding: .utf8)
            #expect(text.contains("    group dhcpkafka\n"))
            example = try Self.write(text.replacingOccurrences(of: "    group dhcpkafka\n", with: "    group nogroup\n"), in: directory)
        }
        let result = try Self.dhcpkafka(["check-config", "--json", example])
        #expect(result.status == 0, "\(result.stderrText)")
        let settings = try #require(try JSONValue.parse(result.stdoutText)["settings"]?.arrayValue)
        let socket = settings.first { $0["section"] == "socket" && $0["key"] == "path" }
        let spool = settings.first { $0["section"] == "spool" && $0["key"] == "path" }
        #expect(socket?["values"] == ["/run/dhcpkafka/ingest.sock"])
        #expect(spool?["values"] == ["/var/lib/dhcpkafka/spool"])
        // Every section is in the example, so operators see each one.
        let text = try String(contentsOfFile: example, encoding: .utf8)
        for section in ["send-to-kafka", "socket", "spool", "forwarder", "metrics", "logging"] {
            #expect(text.contains("<\(section)>"), "\(section)")
        }
    }

    /// docs/configuration.md is generated; it must be what the binary generates now.
    @Test func referenceDocsMatchTheSchema() throws {
        let generated = try Self.dhcpkafka(["check-config", "--print-reference"])
        #expect(generated.status == 0)
        let committed = try String(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        #expect(
            committed == generated.stdoutText,
            "docs/configuration.md is stale: run `swift run dhcpkafka check-config --print-reference > docs/configuration.md`")
        #expect(committed.contains("## `<send-to-kafka>`") && committed.contains("`--metrics-listen`"))
    }

    /// The schema's defaults (what check-config and docs/configuration.md show) are copies of the
    /// options' defaults; the binary's own description of its options keeps the two equal.
    @Test func schemaDefaultsAreTheOptionDefaults() throws {
        let dump = try Self.dhcpkafka(["--experimental-dump-help"])
        #expect(dump.status == 0, "\(dump.stderrText)")
        let commands = try #require(try JSONValue.parse(dump.stdoutText)["command"]?["subcommands"]?.arrayValue)
        for command in [ConfigCommand.run, .forward] {
            let options = try #require(commands.first { $0["commandName"]?.stringValue == command.rawValue })["arguments"]
            for key in ConfigSchema.keys where key.commands.contains(command) {
                let option = try #require(
                    options?.arrayValue?.first { option in
                        option["names"]?.arrayValue?.contains { "--" + ($0["name"]?.stringValue ?? "") == key.option } == true
                    }, "\(command.rawValue) has no \(key.option)")
                let optionDefault = option["defaultValue"]?.stringValue
                #expect(
                    Self.same(key.type, key.defaultValue, optionDefault),
                    "\(key): schema default \(key.defaultValue ?? "none"), \(command.rawValue) \(key.option) default \(optionDefault ?? "none")")
            }
        }
    }

    /// Whether two spellings of a default mean the same value (`1G` and `1 GiB`, `30` and `30.0`).
    static func same(_ type: ConfigValueType, _ schema: String?, _ option: String?) -> Bool {
        guard let schema, let option else { return schema == nil && option == nil }
        switch type {
        case .byteSize:
            guard let schema = ByteSize(parsing: schema) else { return false }
            return schema == ByteSize(parsing: option)
        case .seconds:
            guard let schema = Double(schema) else { return false }
            return schema == Double(option)
        default:
            return schema == option
        }
    }
}
