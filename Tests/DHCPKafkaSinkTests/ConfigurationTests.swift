import DHCPKafkaSink
import Testing

@Suite("Kafka sink configuration")
struct ConfigurationTests {
    @Test("valid configuration passes")
    func valid() throws {
        let config = KafkaSinkConfiguration(
            brokers: ["kafka1:9092", "10.0.0.1:9093", "[2001:db8::1]:9094", "kafka_2.example.net:1"],
            topic: "dhcp-v6.transactions_1")
        try config.validate()
        #expect(config.bootstrapServers == "kafka1:9092,10.0.0.1:9093,[2001:db8::1]:9094,kafka_2.example.net:1")
        #expect(KafkaSinkConfiguration(brokers: ["k:1"]).topic == "dhcpkit.messages")
    }

    @Test(
        "bad topic names are refused",
        arguments: ["", ".", "..", "dhcp messages", "dhcp/messages", "dhcp:messages", "dhcpé", String(repeating: "a", count: 256)])
    func badTopic(topic: String) {
        let config = KafkaSinkConfiguration(brokers: ["k:9092"], topic: topic)
        #expect { try config.validate() } throws: { ($0 as? KafkaConfigurationError)?.code == .invalidTopic }
    }

    @Test("a 255-character topic name is accepted")
    func longTopic() throws {
        try KafkaSinkConfiguration(brokers: ["k:9092"], topic: String(repeating: "a", count: 255)).validate()
    }

    @Test(
        "bad broker strings are refused",
        arguments: [
            [], [""], ["kafka"], ["kafka:"], ["kafka:0"], ["kafka:65536"], ["kafka:9o92"], ["::1:9092"], ["[::1]"],
            ["[::1:9092"], ["[zz::1]:9092"], ["[]:9092"], ["ka fka:9092"], [":9092"], ["-kafka:9092"],
            ["kafka:9092", "bad"], ["PLAINTEXT://kafka:9092"],
        ])
    func badBrokers(brokers: [String]) {
        let config = KafkaSinkConfiguration(brokers: brokers)
        #expect { try config.validate() } throws: { ($0 as? KafkaConfigurationError)?.code == .invalidBroker }
    }

    @Test("bad source addresses, timeouts and client ids are refused")
    func otherFields() {
        func code(_ config: KafkaSinkConfiguration) -> KafkaConfigurationError.Code? {
            do { try config.validate() } catch { return error.code }
            return nil
        }
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], sourceAddress: "kafka.example")) == .invalidSourceAddress)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], sourceAddress: "127.0.0.256")) == .invalidSourceAddress)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], sourceAddress: "")) == .invalidSourceAddress)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], sourceAddress: "fe80::1%lo")) == nil)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], messageTimeoutMs: 0)) == .invalidValue)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], clientID: "")) == .invalidClientID)
        #expect(code(KafkaSinkConfiguration(brokers: ["k:1"], clientID: "a\nb")) == .invalidClientID)
    }

    @Test("fixed properties cannot be overridden", arguments: ["acks", "enable.idempotence", "message.timeout.ms", "bootstrap.servers", "delivery.report.only.error", "transactional.id", "partitioner"])
    func reserved(name: String) {
        let config = KafkaSinkConfiguration(brokers: ["k:1"], properties: [(name, "1")])
        #expect { try config.validate() } throws: { ($0 as? KafkaConfigurationError)?.code == .reservedProperty }
    }

    @Test("librdkafka refuses unknown properties and bad values with its own error text")
    func librdkafkaValidation() {
        func error(_ properties: [(String, String)]) -> KafkaConfigurationError? {
            do {
                _ = try KafkaProducer(configuration: KafkaSinkConfiguration(brokers: ["127.0.0.1:1"], properties: properties))
            } catch {
                return error
            }
            return nil
        }
        let unknown = error([("no.such.property", "1")])
        #expect(unknown?.code == .invalidProperty)
        #expect(unknown?.message.contains("no.such.property") == true)
        let badValue = error([("compression.codec", "bogus")])
        #expect(badValue?.code == .invalidProperty)
        #expect(badValue?.message.contains("compression.codec") == true)
        let secretValue = error([("ssl.key.password", "hunter2"), ("linger.ms", "-5")])
        #expect(secretValue?.message.contains("hunter2") == false)
        #expect(error([("compression.codec", "lz4"), ("linger.ms", "20")]) == nil)
    }

    @Test("secret values are masked in effective properties and the description")
    func masking() {
        let config = KafkaSinkConfiguration(
            brokers: ["k:9093"],
            properties: [
                ("security.protocol", "SASL_SSL"), ("sasl.mechanisms", "PLAIN"), ("sasl.username", "dhcp"),
                ("sasl.password", "pw-1"), ("ssl.key.password", "pw-2"), ("ssl.key.pem", "PEM-3"),
                ("sasl.oauthbearer.config", "principal=x secret=pw-4"), ("sasl.oauthbearer.client.secret", "pw-5"),
                ("sasl.jaas.config", "pw-6"),
            ])
        let masked = config.effectiveProperties(masked: true)
        let description = config.maskedDescription
        for secret in ["pw-1", "pw-2", "PEM-3", "pw-4", "pw-5", "pw-6"] {
            #expect(!masked.contains { $0.1.contains(secret) })
            #expect(!description.contains(secret))
        }
        #expect(masked.contains { $0 == ("sasl.password", "********") })
        #expect(masked.contains { $0 == ("sasl.username", "dhcp") })
        #expect(description.contains("acks=all") && description.contains("enable.idempotence=true"))
        #expect(config.effectiveProperties(masked: false).contains { $0 == ("sasl.password", "pw-1") })
    }

    @Test("librdkafka's log lines reach the log hook with secrets masked")
    func logsHideSecrets() throws {
        let recorder = HookRecorder()
        let config = KafkaSinkConfiguration(
            brokers: ["127.0.0.1:1"], properties: [("debug", "conf,broker"), ("sasl.password", "topsecret-42")])
        let producer = try KafkaProducer(configuration: config, log: { recorder.log($0) })
        _ = producer.poll(timeoutMs: 300)
        producer.close()
        let lines = recorder.logLines
        // librdkafka 2.0.2 itself prints `sasl.password = [redacted]` with debug=conf; the hook masks
        // configured secret values in any other line as well.
        #expect(lines.contains { $0.message.contains("sasl.password") })
        #expect(!lines.contains { $0.message.contains("topsecret-42") })
    }
}
