#if canImport(Glibc)
import Glibc
import TextCodecs
#endif

extension KafkaSinkConfiguration {
    /// `[A-Za-z0-9._-]`: what Kafka topic names and (with more rules) host names are made of.
    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Checks that `topic` is a legal Kafka topic name.
    static func validateTopic(_ topic: String) throws(KafkaConfigurationError) {
        let legal = topic.utf8.allSatisfy(isNameCharacter)
        guard legal, (1...255).contains(topic.utf8.count), topic != ".", topic != ".." else {
            throw KafkaConfigurationError(
                code: .invalidTopic,
                message: "'\(topic)' is not a valid Kafka topic name: use 1-255 characters of A-Z a-z 0-9 . _ - "
                    + "(and not '.' or '..').")
        }
    }

    /// Checks that every broker is `host:port` or `[IPv6]:port` and that there is at least one.
    static func validateBrokers(_ brokers: [String]) throws(KafkaConfigurationError) {
        if brokers.isEmpty {
            throw KafkaConfigurationError(
                code: .invalidBroker, message: "No Kafka brokers configured: give at least one host:port.")
        }
        for broker in brokers where !isValidBroker(broker) {
            throw KafkaConfigurationError(
                code: .invalidBroker,
                message: "'\(broker)' is not a Kafka broker address: use host:port, a.b.c.d:port or [IPv6]:port.")
        }
    }

    private static func isValidBroker(_ broker: String) -> Bool {
        guard let address = HostPort(broker), address.port > 0 else { return false }
        if address.isBracketed {
            var v6 = in6_addr()
            return inet_pton(AF_INET6, address.host, &v6) == 1
        }
        return isValidHostName(address.host)
    }

    private static func isValidHostName(_ host: String) -> Bool {
        guard (1...253).contains(host.utf8.count), !host.hasPrefix("."), !host.hasPrefix("-") else { return false }
        return host.utf8.allSatisfy(isNameCharacter)
    }
}
