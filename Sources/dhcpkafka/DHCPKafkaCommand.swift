import ArgumentParser

/// The `dhcpkafka` command line: the relay daemon and the tools around it.
@main
struct DHCPKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dhcpkafka",
        abstract: "Relay DHCPv6 transactions from DHCP servers to Kafka, durably.",
        discussion: """
            Frames use the DHCPKafkaMessage format of dhcpkit-kafka 1.0.0, so existing \
            consumers keep working. See docs/ for the architecture and the runbook.
            """,
        version: DHCPKafkaVersion.string,
        subcommands: [RunCommand.self, ForwardCommand.self, CheckConfigCommand.self, SpoolCommand.self, DecodeCommand.self, SendCommand.self, ConsumeCommand.self, DevBrokerCommand.self, VersionCommand.self,
                      IngestWorkerCommand.self]
    )
}
