/// One key of the config file: where it lives, what it accepts, its default, and the command-line
/// option it stands for. ``ConfigSchema/keys`` lists them all; the parser, `check-config` and
/// docs/configuration.md are all driven by that one table.
public struct ConfigKey: Sendable, Hashable, CustomStringConvertible {
    /// The section the key belongs in, without brackets: `send-to-kafka`.
    public let section: String
    /// The key: `broker`.
    public let name: String
    /// What values it accepts.
    public let type: ConfigValueType
    /// The default as it would be written in the file, or nil when unset by default.
    public let defaultValue: String?
    /// The default in words, for keys whose default is computed or absent ("this host's FQDN").
    public let defaultDescription: String
    /// Whether the key may be repeated, each line adding one value.
    public let multiple: Bool
    /// Whether values may hold secrets (they are masked wherever they are shown).
    public let secret: Bool
    /// What a changed value does on SIGHUP.
    public let reload: ReloadBehaviour
    /// One or two sentences for the reference.
    public let help: String
    /// The long command-line option with the same meaning: `--broker`.
    public let option: String
    /// The commands that take ``option``.
    public let commands: Set<ConfigCommand>

    /// Describes a key; see ``ConfigSchema/keys``.
    public init(
        _ section: String, _ name: String, _ type: ConfigValueType, default defaultValue: String?,
        defaultDescription: String? = nil, multiple: Bool = false, secret: Bool = false, reload: ReloadBehaviour,
        option: String, commands: Set<ConfigCommand> = [.run], help: String
    ) {
        self.section = section
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription ?? defaultValue ?? "unset"
        self.multiple = multiple
        self.secret = secret
        self.reload = reload
        self.help = help
        self.option = option
        self.commands = commands
    }

    /// `<section> key`, as operators see it in messages.
    public var description: String { "<\(section)> \(name)" }

    /// Keys are identified by section and name.
    public static func == (lhs: ConfigKey, rhs: ConfigKey) -> Bool { lhs.section == rhs.section && lhs.name == rhs.name }

    /// Hashes section and name.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(section)
        hasher.combine(name)
    }
}

/// The commands that read the config file.
public enum ConfigCommand: String, Sendable, Hashable {
    /// `dhcpkafka run`, the daemon.
    case run
    /// `dhcpkafka forward`, the forwarder on its own.
    case forward
    /// `dhcpkafka-lookingglass`, the dashboard (its own executable; docs/lookingglass.md).
    case lookingglass
}

/// What happens when a key's value in the file changed and the daemon gets SIGHUP.
public enum ReloadBehaviour: Sendable, Hashable {
    /// Applied in place, at once.
    case live
    /// Applied by restarting the forwarder child gracefully (no frame is lost: frames leave the
    /// spool only once Kafka acknowledged them).
    case forwarderRestart
    /// Kept until the daemon is restarted; the daemon logs that it still uses the old value.
    case daemonRestart

    /// The words the reference uses.
    public var summary: String {
        switch self {
        case .live: return "applied"
        case .forwarderRestart: return "applied (restarts the forwarder)"
        case .daemonRestart: return "needs a restart"
        }
    }
}
