/// Where and how the sink writes: brokers, topic, client identity, source address and any other
/// librdkafka property.
///
/// Some properties are fixed by this module because the forwarder's correctness depends on them, and
/// passing them in ``properties`` is an error (``KafkaConfigurationError/Code/reservedProperty``):
///
/// - `enable.idempotence=true` and `acks=all`: the broker de-duplicates librdkafka's internal retries
///   and acknowledges only replicated writes, so a ``DeliveryStatus/persisted`` report means durable.
/// - `delivery.report.only.error=false`: every record gets a delivery report (the forwarder advances
///   its spool on successes), delivered through `dr_msg_cb` so the report carries the message.
/// - `message.timeout.ms` comes from ``messageTimeoutMs``; `bootstrap.servers` from ``brokers``;
///   `client.id` from ``clientID``; `transactional.id` is refused (transactions are not used).
/// - `partitioner=murmur2_random`: a keyed record goes to `murmur2(key) % partitions` like a Java
///   producer's (``KafkaPartitioner``); records without a key go to a random partition.
/// - With a ``sourceAddress``, `broker.address.family` is set to its family (`v4` or `v6`): a socket
///   bound to an address of one family cannot connect to a broker address of the other.
public struct KafkaSinkConfiguration: Sendable {
    /// The default topic, as used by dhcpkit-kafka.
    public static let defaultTopic = "dhcpkit.messages"

    /// Bootstrap brokers, each `host:port` or `[IPv6 address]:port`.
    public var brokers: [String]
    /// The topic every record goes to: 1–255 characters of `[A-Za-z0-9._-]`, not `.` or `..`.
    public var topic: String
    /// `client.id`, shown in broker logs and quotas.
    public var clientID: String
    /// An IPv4 or IPv6 literal (IPv6 may carry a `%interface` zone) that every broker connection is
    /// bound to before connecting, or nil for the kernel's choice. librdkafka has no property for this;
    /// the producer installs a `connect_cb` that calls `bind()` (port 0) and then `connect()`.
    public var sourceAddress: String?
    /// `message.timeout.ms`: how long librdkafka keeps retrying a record before reporting it failed
    /// with `_MSG_TIMED_OUT` (a ``KafkaFailureClass/retriable`` failure the forwarder re-produces).
    ///
    /// Default 120 000 ms: long enough that leader elections and broker restarts are absorbed by
    /// librdkafka's own ordered, de-duplicated retries; short enough that the forwarder hears about a
    /// longer outage within two minutes. Must be 1…2 147 483 647: 0 (infinite) is refused here even
    /// though librdkafka 2.0.2 accepts it with idempotence, because records would then never come
    /// back to the forwarder while the cluster is unreachable.
    public var messageTimeoutMs: Int
    /// Further librdkafka properties (TLS, SASL, compression, `linger.ms`, `debug`…), applied in
    /// order. librdkafka validates names and values; see ``effectiveProperties(masked:)``.
    public var properties: [(String, String)]

    /// Creates a configuration; call ``validate()`` (the producer does) to check it.
    public init(
        brokers: [String], topic: String = KafkaSinkConfiguration.defaultTopic, clientID: String = "dhcpkafka",
        sourceAddress: String? = nil, messageTimeoutMs: Int = 120_000, properties: [(String, String)] = []
    ) {
        self.brokers = brokers
        self.topic = topic
        self.clientID = clientID
        self.sourceAddress = sourceAddress
        self.messageTimeoutMs = messageTimeoutMs
        self.properties = properties
    }

    /// `bootstrap.servers`: the brokers joined with commas.
    public var bootstrapServers: String { brokers.joined(separator: ",") }

    /// Checks everything that can be checked without librdkafka and throws the first problem (see
    /// ``problems()`` for all of them). Property names and values are checked by librdkafka when a
    /// client is created, or beforehand by ``librdkafkaProblems()``.
    public func validate() throws(KafkaConfigurationError) {
        if let first = problems().first { throw first }
    }

    /// Every problem that can be found without librdkafka, each checked on its own so an operator
    /// sees them all at once: brokers, topic, client id, source address, message timeout, and
    /// properties this module sets itself.
    public func problems() -> [KafkaConfigurationError] {
        var found: [KafkaConfigurationError] = []
        do { try Self.validateBrokers(brokers) } catch { found.append(error) }
        do { try Self.validateTopic(topic) } catch { found.append(error) }
        if clientID.isEmpty || clientID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            found.append(KafkaConfigurationError(
                code: .invalidClientID, message: "The Kafka client id must be non-empty text without control characters."))
        }
        if let sourceAddress {
            do { _ = try SourceAddress(parsing: sourceAddress) } catch { found.append(error) }
        }
        if messageTimeoutMs < 1 || messageTimeoutMs > Int(Int32.max) {
            found.append(KafkaConfigurationError(
                code: .invalidValue,
                message: "The message timeout must be between 1 and \(Int32.max) ms, not \(messageTimeoutMs)."))
        }
        let reserved = reservedPropertyNames
        for (name, _) in properties where reserved.contains(name) {
            found.append(KafkaConfigurationError(
                code: .reservedProperty, property: name,
                message: "The Kafka property '\(name)' is set by DHCPKafka and cannot be overridden; remove it."))
        }
        return found
    }

    /// Every property the producer sets, in order, with secret values replaced by `********` when
    /// `masked` (see ``isSecretProperty(_:)``).
    public func effectiveProperties(masked: Bool) -> [(String, String)] {
        var result: [(String, String)] = [("bootstrap.servers", bootstrapServers), ("client.id", clientID)]
        for (name, value) in properties {
            result.append((name, masked && Self.isSecretProperty(name) ? Self.mask : value))
        }
        result.append(("enable.idempotence", "true"))
        result.append(("acks", "all"))
        // Java-compatible placement of keyed records (KafkaPartitioner): the same key lands in the
        // same partition as from a Java producer.
        result.append(("partitioner", "murmur2_random"))
        result.append(("delivery.report.only.error", "false"))
        result.append(("message.timeout.ms", String(messageTimeoutMs)))
        if let sourceAddress, let parsed = try? SourceAddress(parsing: sourceAddress) {
            result.append(("broker.address.family", parsed.isIPv6 ? "v6" : "v4"))
        }
        return result
    }

    /// A one-line summary for logs: topic, source address and every effective property, secrets masked.
    public var maskedDescription: String {
        let props = effectiveProperties(masked: true).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return "topic=\(topic) source=\(sourceAddress ?? "any") \(props)"
    }

    /// What a secret value is shown as.
    public static let mask = "********"

    /// `text` with every non-empty value of `secrets` replaced by ``mask`` (an empty needle would be
    /// "found" between every two characters).
    static func masking(_ secrets: [String], in text: String) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty { text = text.replacing(secret, with: mask) }
        return text
    }

    /// True for property names whose values must never be shown: any name containing `password`,
    /// `secret`, `sasl.oauthbearer.config`, `ssl.key.pem`, `ssl_key`, `.jaas`, `token` or `private`
    /// (case-insensitive).
    public static func isSecretProperty(_ name: String) -> Bool {
        let lower = name.lowercased()
        return secretMarkers.contains { lower.contains($0) }
    }

    private static let secretMarkers = [
        "password", "secret", "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key", ".jaas", "token", "private",
    ]

    /// The values of secret properties, for scrubbing them out of librdkafka's log lines.
    var secretValues: [String] {
        properties.filter { Self.isSecretProperty($0.0) && !$0.1.isEmpty }.map(\.1)
    }

    private var reservedPropertyNames: Set<String> {
        var names: Set<String> = [
            "bootstrap.servers", "metadata.broker.list", "client.id", "enable.idempotence", "acks",
            "request.required.acks", "message.timeout.ms", "delivery.timeout.ms", "delivery.report.only.error",
            "transactional.id", "partitioner",
        ]
        if sourceAddress != nil { names.insert("broker.address.family") }
        return names
    }
}
