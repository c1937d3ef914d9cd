import DHCPKafkaConfig
import Foundation
import JSONValue
import Testing

/// The parser: syntax, schema checks and the line numbers in its errors.
@Suite struct ConfigFileTests {
    static func issues(_ text: String) -> [ConfigIssue] {
        do {
            _ = try ConfigFile.parse(text, path: "test.conf")
            return []
        } catch {
            return error.issues
        }
    }

    @Test func parsesSectionsKeysCommentsAndRepeats() throws {
        let file = try ConfigFile.parse(
            """
            # comment
              # indented comment

            <send-to-kafka>
                broker k1.example.net:9092
                BROKER [2001:db8::1]:9092
                topic   my.topic  \t
            </send-to-kafka>
            <Forwarder>
                kafka-property sasl.password se#cret value
                kafka-property linger.ms=5
                kafka-property compression.type = lz4
            </forwarder>
            """, path: "test.conf")
        let brokers = file.entries(for: try #require(ConfigSchema.key("send-to-kafka", "broker")))
        #expect(brokers.map(\.value) == ["k1.example.net:9092", "[2001:db8::1]:9092"])
        #expect(brokers.map(\.line) == [5, 6])
        #expect(file.entries(for: try #require(ConfigSchema.key("send-to-kafka", "topic"))).map(\.value) == ["my.topic"])
        let properties = file.entries(for: try #require(ConfigSchema.key("forwarder", "kafka-property")))
        // No trailing comments: the # belongs to the value.
        #expect(properties.map(\.value) == ["sasl.password=se#cret value", "linger.ms=5", "compression.type=lz4"])
    }

    @Test func errorsNameTheLineAndWhatIsAllowed() {
        let found = Self.issues(
            """
            <socket>
                path /tmp/x.sock
                mode 999
                colour blue
                path /tmp/y.sock
            </socket>
            <kafka>
                broker x:1
            </kafka>
            topic outside
            """)
        #expect(found.map(\.code) == [.badValue, .unknownKey, .duplicateKey, .unknownSection, .misplaced])
        #expect(found.map(\.line) == [3, 4, 5, 7, 10])
        #expect(found[0].description.hasPrefix("test.conf:3: <socket> mode: '999' is not allowed; use an octal file mode"))
        #expect(found[1].message.contains("its keys are path, mode, group, allow-uid, allow-gid"))
        #expect(found[2].message.contains("already set on line 2"))
        #expect(found[3].message.contains("<send-to-kafka>"))
    }

    @Test func unterminatedAndMismatchedSections() {
        let open = Self.issues("<spool>\n  path /x\n")
        #expect(open.map(\.code) == [.unterminatedSection])
        #expect(open.first?.line == 1)
        #expect(open.first?.message.contains("</spool>") == true)
        #expect(Self.issues("<spool>\n</socket>\n").map(\.code) == [.mismatchedClose])
        #expect(Self.issues("<spool>\n<socket>\n</socket>\n").map(\.code).first == .misplaced)
        #expect(Self.issues("</spool>\n").map(\.code) == [.mismatchedClose])
        #expect(Self.issues("<spool main>\n</spool>\n").map(\.code) == [.syntax])
        #expect(Self.issues("%include other.conf\n").map(\.code) == [.syntax])
    }

    @Test func secretValuesAreNotEchoedInErrors() {
        let found = Self.issues("<forwarder>\n kafka-property =hunter2\n</forwarder>\n")
        #expect(found.map(\.code) == [.badValue])
        #expect(!found[0].message.contains("hunter2"))
    }

    @Test(arguments: [
        ("spool", "capacity", "512M", true), ("spool", "capacity", "12 parsecs", false),
        ("spool", "durability", "periodic:5", true), ("spool", "durability", "periodic:0", false),
        ("spool", "max-frames", "0", false), ("socket", "allow-uid", "-1", false), ("socket", "allow-uid", "101", true),
        ("forwarder", "backoff-min", "0", false), ("forwarder", "shutdown-timeout", "0", true),
        ("forwarder", "key", "Server-Name", true), ("forwarder", "key", "mac", false),
        ("metrics", "listen", "127.0.0.1:9464", true), ("metrics", "listen", "[::1]:9464", true),
        ("metrics", "listen", "localhost", false), ("metrics", "listen", "h:70000", false),
        ("logging", "level", "chatty", false), ("send-to-kafka", "broker", "kafka", false),
    ])
    func valueTypes(_ section: String, _ key: String, _ value: String, _ valid: Bool) {
        let found = Self.issues("<\(section)>\n\(key) \(value)\n</\(section)>\n")
        #expect(found.isEmpty == valid, "\(section) \(key) \(value): \(found)")
    }

    @Test func unreadableFile() {
        #expect(throws: ConfigError.self) { try ConfigFile.load(path: "/nonexistent/dhcpkafka.conf") }
        do {
            _ = try ConfigFile.load(path: "/nonexistent/dhcpkafka.conf")
        } catch {
            #expect(error.issues.first?.code == .unreadable)
            #expect(error.description.contains("No such file"))
        }
    }
}

/// Effective values, precedence, reload differences and the generated reference.
@Suite struct EffectiveConfigurationTests {
    static let text = """
        <send-to-kafka>
            broker k1:9092
            broker k2:9092
        </send-to-kafka>
        <forwarder>
            backoff-min 0.5
        </forwarder>
        <socket>
            path /run/x.sock
        </socket>
        """

    @Test func argumentsLeaveOutDefaultsAndOverriddenKeys() throws {
        let file = try ConfigFile.parse(Self.text, path: "a.conf")
        let all = EffectiveConfiguration(file: file, command: .run, commandLineOptions: [])
        #expect(all.arguments == ["--broker", "k1:9092", "--broker", "k2:9092", "--socket", "/run/x.sock", "--backoff-min", "0.5"])
        let overridden = EffectiveConfiguration(file: file, command: .run, commandLineOptions: ["--broker"])
        #expect(overridden.arguments == ["--socket", "/run/x.sock", "--backoff-min", "0.5"])
        // `forward` takes no socket: the key is not part of its configuration.
        let forward = EffectiveConfiguration(file: file, command: .forward, commandLineOptions: [])
        #expect(forward.arguments == ["--broker", "k1:9092", "--broker", "k2:9092", "--backoff-min", "0.5"])
    }

    @Test func changesBetweenReadings() throws {
        let old = EffectiveConfiguration(
            file: try ConfigFile.parse(Self.text, path: "a.conf"), command: .run, commandLineOptions: ["--socket"])
        let edited = Self.text.replacingOccurrences("backoff-min 0.5", "backoff-min 2")
            .replacingOccurrences("/run/x.sock", "/run/y.sock") + "\n<logging>\nlevel debug\n</logging>\n"
        let new = EffectiveConfiguration(
            file: try ConfigFile.parse(edited, path: "a.conf"), command: .run, commandLineOptions: ["--socket"])
        let changes = old.changes(to: new)
        // The socket is on the command line: editing the file does not change it.
        #expect(changes.map(\.key.name) == ["backoff-min", "level"])
        #expect(changes[0].old == ["0.5"] && changes[0].new == ["2"])
        #expect(changes[1].describe(changes[1].old) { $1 } == "info")
    }

    @Test func reportShowsEveryKeyWithItsOrigin() throws {
        let file = try ConfigFile.parse(Self.text + "\n<forwarder>\nkafka-property sasl.password s3cret\n</forwarder>\n", path: "a.conf")
        let report = ConfigReport(
            EffectiveConfiguration(file: file, command: .run, commandLineOptions: ["--topic"]),
            mask: { key, value in key.secret && value.hasPrefix("sasl.password=") ? "sasl.password=********" : value })
        let json = report.json
        let settings = try #require(json["settings"]?.arrayValue)
        #expect(settings.count == ConfigSchema.keys.filter { $0.commands.contains(.run) }.count)  // not <lookingglass>
        let broker = try #require(settings.first { $0["key"] == "broker" })
        #expect(broker["values"] == ["k1:9092", "k2:9092"])
        #expect(broker["lines"] == [2, 3])
        #expect(settings.first { $0["key"] == "topic" }?["source"] == "command-line")
        #expect(settings.first { $0["key"] == "durability" }?["values"] == ["sync"])
        #expect(settings.first { $0["key"] == "durability" }?["source"] == "default")
        #expect(settings.first { $0["key"] == "kafka-property" }?["values"] == ["sasl.password=********"])
        #expect(!report.text.contains("s3cret"))
        #expect(report.text.contains("a.conf:9"))
    }

    @Test func referenceCoversEverySectionAndKey() {
        let markdown = ConfigReference.markdown
        for section in ConfigSchema.sections { #expect(markdown.contains("## `<\(section)>`")) }
        for key in ConfigSchema.keys { #expect(markdown.contains("**`\(key.name)`**"), "\(key)") }
        #expect(markdown.contains("`--metrics-listen`"))
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Kafka property files and systemd credentials, read from real files.
@Suite struct KafkaPropertyFileTests {
    /// A fresh directory under the system's temporary directory.
    final class TemporaryDirectory {
        let path: String
        init(prefix: String) throws {
            path = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func appending(_ name: String) -> String { path + "/" + name }
    }

    @Test func credentialsHoldOneValueOrAWholeFile() throws {
        let directory = try TemporaryDirectory(prefix: "dk-creds")
        try "sasl.password-with-newline\n".write(toFile: directory.appending("sasl.password"), atomically: true, encoding: .utf8)
        try "linger.ms=5\n".write(toFile: directory.appending("kafka.properties"), atomically: true, encoding: .utf8)
        try "other".write(toFile: directory.appending("unrelated"), atomically: true, encoding: .utf8)
        let settings = try KafkaPropertyFile.credentials(in: directory.path) { $0 == "sasl.password" }
        #expect(settings.map(\.assignment) == ["linger.ms=5", "sasl.password=sasl.password-with-newline"])
        #expect(settings.first?.line == 1)
        #expect(settings.last?.path == directory.appending("sasl.password"))
    }

    @Test func oversizedAndSpecialFilesAreRefused() throws {
        #expect(throws: ConfigError.self) { _ = try KafkaPropertyFile.load(path: "/dev/zero") }
        let directory = try TemporaryDirectory(prefix: "dk-creds")
        let big = directory.appending("big")
        try String(repeating: "a=b\n", count: KafkaPropertyFile.maximumBytes / 4 + 1).write(toFile: big, atomically: true, encoding: .utf8)
        do {
            _ = try KafkaPropertyFile.load(path: big)
            Issue.record("a file over the limit was read")
        } catch {
            #expect(error.description.contains("larger than 1048576 bytes"))
        }
    }
}
