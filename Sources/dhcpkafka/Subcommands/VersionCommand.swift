import ArgumentParser
import DHCPKafkaSink
import DHCPKafkaSpool

/// The version of DHCPKafka itself.
enum DHCPKafkaVersion {
    static let string = "0.1.0"
}

/// `dhcpkafka version`: this program's version and the C libraries it runs with.
///
/// Operators need the runtime librdkafka version when a broker misbehaves
/// (librdkafka 2.0.2 cannot talk to some Kafka-compatible brokers), so print what is loaded.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the dhcpkafka version and the librdkafka and LMDB libraries in use.")

    func run() throws {
        print("dhcpkafka \(DHCPKafkaVersion.string)")
        print("librdkafka \(KafkaProducer.libraryVersion)")
        print(Spool.libraryVersion)
    }
}
