import ArgumentParser
import DHCPKafkaSink
import Foundation

/// `dhcpkafka dev-broker`: librdkafka's in-memory mock cluster, for development and demos only.
struct DevBrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run a DEVELOPMENT-ONLY Kafka broker (librdkafka's mock cluster) until SIGTERM or SIGINT.",
        discussion: """
            Not for production: it keeps data in memory only, about 5 MiB per partition (older \
            records are dropped silently), and implements just enough of Kafka for librdkafka. \
            Prints its bootstrap address on the first line of standard output.
            """)

    @Option(help: "Number of mock brokers.") var brokers = 1
    @Option(help: "Topic to create.") var topic = "dhcpkit.messages"
    @Option(help: "Partitions of the topic.") var partitions = 3

    func run() throws {
        // Handlers, not a blocked mask and sigwait: the signal may land on any of the mock
        // cluster's threads (librdkafka sets their masks itself), and it killed the process there
        // before the cluster was closed (exit "killed by SIGTERM" instead of 0).
        StopSignals.install()
        let cluster: MockCluster
        do {
            cluster = try MockCluster(brokers: brokers)
            try cluster.createTopic(topic, partitions: partitions, replicationFactor: min(brokers, 3))
        } catch {
            printError("cannot start the development broker: \(error)")
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        printError("DEVELOPMENT-ONLY Kafka (librdkafka mock cluster) at \(cluster.bootstrapServers), topic \(topic); stop with Ctrl-C")
        while !StopSignals.requested { StopSignals.sleep(3600) }
        cluster.close()
    }
}
