import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaForwarder
import DHCPKafkaSink
import Foundation

/// The `<send-to-kafka>` settings and the forwarder's tuning, shared by `run` and `forward`.
struct ForwardOptions: ParsableArguments {
    @Option(name: .customLong("broker"), help: "Kafka broker host:port (repeatable; IPv6 as [addr]:port).")
    var brokers: [String] = ["localhost:9092"]

    @Option(help: "Kafka topic to publish on.")
    var topic = "dhcpkit.messages"

    @Option(help: "Name of this server, for the records the relay makes itself (gap records) (default: this host's FQDN).")
    var serverName: String?

    @Option(help: "Local address to connect to the brokers from.")
    var sourceAddress: String?

    @Option(name: .customLong("kafka-property"), help: "Any librdkafka property as name=value (repeatable): TLS, SASL, compression, … Secrets on the command line are readable by every local user: use --kafka-property-file.")
    var kafkaProperties: [String] = []

    @Option(name: .customLong("kafka-property-file"), help: "A file of librdkafka properties, one name=value per line, readable only by the daemon (repeatable; for secrets).")
    var kafkaPropertyFiles: [String] = []

    @Option(help: "Record key: client-duid (default; one client's transactions stay in order), server-name, or none.")
    var key = RecordKey.clientDUID

    @Option(help: "Most records in flight (produced, not yet acknowledged).")
    var maxInFlightFrames = 10_000

    @Option(help: "Most frame bytes in flight.")
    var maxInFlightBytes = ByteSize(bytes: 8 << 20)

    @Option(help: "Shortest retry delay after a failure, in seconds.")
    var backoffMin = 0.1

    @Option(help: "Longest retry delay, in seconds.")
    var backoffMax = 30.0

    @Option(help: "When Kafka rejects the topic itself (missing, not authorised): retry (keep frames) or dead-letter.")
    var onDestinationError = DestinationErrorPolicy.retry

    @Option(help: "Seconds librdkafka retries a record before reporting it failed (the forwarder then backs off and produces it again).")
    var messageTimeout = 120.0

    @Option(help: "On SIGTERM, seconds to wait for records in flight to be acknowledged, and (run) to retry failing spool commits before giving up on the frames held in memory.")
    var shutdownTimeout = 10.0

    /// The Kafka properties in the order librdkafka gets them (a later one wins): the property files,
    /// then systemd credentials (`$CREDENTIALS_DIRECTORY`), then `--kafka-property`.
    func propertySettings() throws(SettingProblems) -> [KafkaPropertySetting] {
        var settings: [KafkaPropertySetting] = []
        var problems: [SettingProblem] = []
        func add(_ error: ConfigError) {
            problems += error.issues.map { SettingProblem(nil, file: $0.path, line: $0.line, $0.message) }
        }
        for path in kafkaPropertyFiles {
            do throws(ConfigError) { settings += try KafkaPropertyFile.load(path: path) } catch { add(error) }
        }
        if let directory = ProcessInfo.processInfo.environment[KafkaPropertyFile.credentialsVariable], !directory.isEmpty {
            do throws(ConfigError) {
                settings += try KafkaPropertyFile.credentials(in: directory, isProperty: Self.isCredentialProperty)
            } catch { add(error) }
        }
        for item in kafkaProperties {
            guard let setting = KafkaPropertySetting(option: item) else {
                let shown = KafkaSinkConfiguration.isSecretProperty(item) ? "a secret value" : "'\(item.prefix(40))'"
                problems.append(SettingProblem("--kafka-property", "needs name=value (like compression.type=zstd), got \(shown)"))
                continue
            }
            settings.append(setting)
        }
        guard problems.isEmpty else { throw SettingProblems(problems) }
        return settings
    }

    /// Credentials taken as one property's value: secret properties and `sasl.username`.
    static func isCredentialProperty(_ name: String) -> Bool {
        name.contains(".") && (KafkaSinkConfiguration.isSecretProperty(name) || name == "sasl.username")
    }

    /// The forwarder configuration these options describe, checked as far as it can be without a
    /// broker: every rule of these options, and every Kafka property by librdkafka itself.
    func configuration() throws(SettingProblems) -> ForwarderConfiguration {
        var problems: [SettingProblem] = []
        if backoffMin <= 0 { problems.append(SettingProblem("--backoff-min", "must be more than 0 seconds, not \(backoffMin)")) }
        if backoffMin > 0, backoffMax < backoffMin {
            problems.append(SettingProblem(
                "--backoff-max", "\(backoffMax) s is shorter than the shortest retry delay (backoff-min, \(backoffMin) s); make it at least that"))
        }
        if shutdownTimeout < 0 { problems.append(SettingProblem("--shutdown-timeout", "must be 0 seconds or more, not \(shutdownTimeout)")) }
        if maxInFlightFrames < 1 { problems.append(SettingProblem("--max-in-flight-frames", "must be at least 1, not \(maxInFlightFrames)")) }
        if !(messageTimeout > 0) || messageTimeout * 1000 > Double(Int32.max) {
            problems.append(SettingProblem("--message-timeout", "must be more than 0 and at most \(Int32.max / 1000) seconds, not \(messageTimeout)"))
        }
        var settings: [KafkaPropertySetting] = []
        do throws(SettingProblems) { settings = try propertySettings() } catch { problems += error.problems }
        let sink = KafkaSinkConfiguration(
            brokers: brokers, topic: topic, clientID: "dhcpkafka", sourceAddress: sourceAddress,
            messageTimeoutMs: Int(min(max(messageTimeout, 0.001), 2_000_000) * 1000),
            properties: settings.map { ($0.name, $0.value) })
        let sinkProblems = sink.problems()
        for error in sinkProblems { problems.append(Self.problem(error, settings: settings)) }
        if !problems.contains(where: { $0.key == ConfigSchema.key(option: "--kafka-property") || $0.filePath != nil }) {
            for found in sink.librdkafkaProblems() {
                problems.append(Self.problem(property: found.property, message: found.message, settings: settings))
            }
        }
        guard problems.isEmpty else { throw SettingProblems(problems) }
        return ForwarderConfiguration(
            sink: sink, serverName: serverName ?? HostName.fullyQualified, key: key, maxInFlightFrames: maxInFlightFrames,
            maxInFlightBytes: maxInFlightBytes.bytes, backoffMin: .milliseconds(Int64(backoffMin * 1000)),
            backoffMax: .milliseconds(Int64(backoffMax * 1000)), shutdownTimeout: .milliseconds(Int64(shutdownTimeout * 1000)),
            onDestinationError: onDestinationError)
    }

    /// A sink error, pointed at the option (or property line) it is about.
    private static func problem(_ error: KafkaConfigurationError, settings: [KafkaPropertySetting]) -> SettingProblem {
        switch error.code {
        case .invalidBroker: return SettingProblem("--broker", error.message)
        case .invalidTopic: return SettingProblem("--topic", error.message)
        case .invalidSourceAddress: return SettingProblem("--source-address", error.message)
        case .invalidValue: return SettingProblem("--message-timeout", error.message)
        default: return problem(property: error.property, message: error.message, settings: settings)
        }
    }

    /// A refused property at the place that set it last (the one in force).
    private static func problem(property: String?, message: String, settings: [KafkaPropertySetting]) -> SettingProblem {
        guard let property, let setting = settings.last(where: { $0.name == property }) else {
            return SettingProblem("--kafka-property", message)
        }
        if let path = setting.path { return SettingProblem(nil, property: property, file: path, line: setting.line, message) }
        return SettingProblem("--kafka-property", property: property, message)
    }

    /// The secret properties given with `--kafka-property` in `arguments` (a command line), whose
    /// values every local user can read in /proc/PID/cmdline.
    static func secretsOnCommandLine(_ arguments: [String]) -> [String] {
        var names: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex, arguments[index] != "--" {
            var value: String?
            if arguments[index] == "--kafka-property", index + 1 < arguments.endIndex {
                value = arguments[index + 1]
                index += 1
            } else if arguments[index].hasPrefix("--kafka-property=") {
                value = String(arguments[index].dropFirst("--kafka-property=".count))
            }
            if let value {
                let name = String(value.prefix { $0 != "=" })
                if KafkaSinkConfiguration.isSecretProperty(name) { names.append(name) }
            }
            index += 1
        }
        return names
    }

    /// The environment variable that carries `--kafka-property` values to a forwarder started by
    /// `dhcpkafka run` (one name=value per line). Not the command line: that is readable by every
    /// local user (`ps`), and properties hold secrets (SASL, TLS key passwords).
    static let propertiesVariable = "DHCPKAFKA_KAFKA_PROPERTIES"

    /// The environment a `dhcpkafka forward` child needs besides ``arguments``.
    var childEnvironment: [String: String] {
        kafkaProperties.isEmpty ? [:] : [Self.propertiesVariable: kafkaProperties.joined(separator: "\n")]
    }

    /// Properties handed over by a parent `dhcpkafka run` through the environment.
    mutating func adoptInheritedProperties() {
        guard let text = ProcessInfo.processInfo.environment[Self.propertiesVariable], !text.isEmpty else { return }
        kafkaProperties += text.split(separator: "\n").map(String.init)
    }

    /// The same options as command-line arguments, to start a `dhcpkafka forward` child with
    /// (all but the librdkafka properties, which go in ``childEnvironment``; the child reads the
    /// property files and `$CREDENTIALS_DIRECTORY` itself).
    var arguments: [String] {
        var out: [String] = []
        for broker in brokers { out += ["--broker", broker] }
        out += ["--topic", topic]
        if let serverName { out += ["--server-name", serverName] }
        if let sourceAddress { out += ["--source-address", sourceAddress] }
        for path in kafkaPropertyFiles { out += ["--kafka-property-file", path] }
        out += ["--key", key.rawValue, "--max-in-flight-frames", String(maxInFlightFrames),
                "--max-in-flight-bytes", String(maxInFlightBytes.bytes), "--backoff-min", String(backoffMin),
                "--backoff-max", String(backoffMax), "--on-destination-error", onDestinationError.rawValue,
                "--shutdown-timeout", String(shutdownTimeout), "--message-timeout", String(messageTimeout)]
        return out
    }
}

extension RecordKey: ExpressibleByArgument {}
extension DestinationErrorPolicy: ExpressibleByArgument {}

/// This host's name, as DHCPKit's `server-name` default: the FQDN.
enum HostName {
    static var fullyQualified: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let short = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var hints = addrinfo()
        hints.ai_flags = AI_CANONNAME
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(short, nil, &hints, &result) == 0, let first = result else { return short }
        defer { freeaddrinfo(result) }
        guard let canonical = first.pointee.ai_canonname else { return short }
        let name = String(cString: canonical)
        return name.isEmpty ? short : name
    }
}
