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

    @Option(name: .customLong("kafka-property"), help: "Any librdkafka property as name=value (repeatable): TLS, SASL, compression, …")
    var kafkaProperties: [String] = []

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

    func validate() throws {
        guard backoffMin > 0, backoffMax >= backoffMin, shutdownTimeout >= 0, maxInFlightFrames > 0 else {
            throw ValidationError("--backoff-min > 0, --backoff-max ≥ --backoff-min, --shutdown-timeout ≥ 0, --max-in-flight-frames > 0")
        }
    }

    /// The forwarder configuration these options describe.
    func configuration() throws -> ForwarderConfiguration {
        var properties: [(String, String)] = []
        for item in kafkaProperties {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw CLIError("--kafka-property needs name=value, got '\(item.prefix(40))'")
            }
            properties.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
        }
        let sink = KafkaSinkConfiguration(
            brokers: brokers, topic: topic, clientID: "dhcpkafka", sourceAddress: sourceAddress,
            messageTimeoutMs: Int(messageTimeout * 1000), properties: properties)
        do { try sink.validate() } catch { throw CLIError(error.description) }
        return ForwarderConfiguration(
            sink: sink, serverName: serverName ?? HostName.fullyQualified, key: key, maxInFlightFrames: maxInFlightFrames,
            maxInFlightBytes: maxInFlightBytes.bytes, backoffMin: .milliseconds(Int64(backoffMin * 1000)),
            backoffMax: .milliseconds(Int64(backoffMax * 1000)), shutdownTimeout: .milliseconds(Int64(shutdownTimeout * 1000)),
            onDestinationError: onDestinationError)
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
    /// (all but the librdkafka properties, which go in ``childEnvironment``).
    var arguments: [String] {
        var out: [String] = []
        for broker in brokers { out += ["--broker", broker] }
        out += ["--topic", topic]
        if let serverName { out += ["--server-name", serverName] }
        if let sourceAddress { out += ["--source-address", sourceAddress] }
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
        let short = String(cString: buffer)
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
