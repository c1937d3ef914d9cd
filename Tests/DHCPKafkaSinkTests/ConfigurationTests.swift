import DHCPKafkaSink
import Testing

@Suite("Kafka sink configuration")
struct ConfigurationTests {
    @Test("valid configuration passes")
    func valid() throws {
        let config = KafkaSinkConfiguration(brokers: ["kafka1:9092", "10.0.0.1:9093", "[2001:db8::1]:9094"])
        try config.validate()
        #expect(config.bootstrapServers == "kafka1:9092,10.0.0.1:9093,[2001:db8::1]:9094")
        #expect(config.topic == "dhcpkit.messages")
    }
}
