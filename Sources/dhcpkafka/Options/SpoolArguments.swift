import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaSpool

/// The spool directory option shared by every command that touches a spool.
struct SpoolLocation: ParsableArguments {
    @Option(help: "Spool directory (production: /var/lib/dhcpkafka/spool).")
    var spool = "var/spool"
}

/// `sync`, `nometasync` or `periodic:SECONDS`.
struct DurabilityArgument: ExpressibleByArgument {
    let value: SpoolDurability

    static let sync = DurabilityArgument(value: .sync)

    init(value: SpoolDurability) { self.value = value }

    /// Parses the text as the config file does (``DurabilitySetting``).
    init?(argument: String) {
        switch DurabilitySetting(parsing: argument) {
        case .sync: value = .sync
        case .noMetaSync: value = .noMetaSync
        case .periodic(let seconds): value = .periodic(interval: .milliseconds(Int64(seconds * 1000)))
        case nil: return nil
        }
    }

    /// The default as `--help` shows it, `sync` (ArgumentParser asks the default value itself; a
    /// `static` property of this name is never read).
    var defaultValueDescription: String { "\(value)" }
}
