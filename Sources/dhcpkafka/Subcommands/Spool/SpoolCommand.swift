import ArgumentParser

/// `dhcpkafka spool …`: look into a spool, while the daemon runs or not.
struct SpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Inspect a spool (works while the daemon runs).",
        subcommands: [
            SpoolStatsCommand.self, SpoolListCommand.self, SpoolTailCommand.self, SpoolShowCommand.self,
            SpoolExportCommand.self, SpoolCheckCommand.self, SpoolSalvageCommand.self, SpoolDeadCommand.self,
        ])
}
