import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaSink
import Logging

/// Turns `--config FILE` plus the real command line into the command the operator meant: the
/// file's settings become arguments in front of the real ones, minus every key whose option is on
/// the command line, and the command is parsed again. So the file and the command line share one
/// parser and one validation, and the command line wins.
enum ConfigResolution {
    /// The arguments after the subcommand's name, as the process got them.
    static func commandLine(after commandName: String) -> [String] {
        let all = Array(CommandLine.arguments.dropFirst())
        guard let index = all.firstIndex(of: commandName) else { return all }
        return Array(all[(index + 1)...])
    }

    /// The long options (`--broker`) given in `arguments`, up to a `--` terminator.
    static func longOptions(in arguments: [String]) -> Set<String> {
        var names: Set<String> = []
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            names.insert(String(argument.prefix { $0 != "=" }))
        }
        return names
    }

    /// Reads the file and parses `Command` from its settings followed by `arguments`, then checks
    /// the settings as the command will use them (``CheckedSettings``). Every problem is reported
    /// at once: the lines the parser refused, and the problems of the settings it accepted.
    ///
    /// With `text`, that text stands for the file's (the supervising parent hands its ingest worker
    /// the text it resolved, so a worker restarted later never reads a half-edited file).
    static func resolve<Command: ParsableArguments & CheckedSettings>(
        _: Command.Type, file path: String, text: String? = nil, command: ConfigCommand, arguments: [String]
    ) throws(ConfigError) -> (Command, EffectiveConfiguration) {
        let source: String
        if let text { source = text } else { source = try ConfigFile.text(path: path) }
        let (file, fileIssues) = ConfigFile.parseCollecting(source, path: path)
        let effective = EffectiveConfiguration(file: file, command: command, commandLineOptions: longOptions(in: arguments))
        var issues = fileIssues
        let parsed: Command
        do {
            parsed = try Command.parse(effective.arguments + arguments)
        } catch {
            throw ConfigError(issues + [refusal(Command.message(for: error), effective: effective, path: path, command: command)])
        }
        issues += SettingProblems(parsed.settingProblems()).issues(effective: effective)
        guard issues.isEmpty else {
            // The config file's lines in order, then other files, then command-line options.
            let rank: (ConfigIssue) -> Int = { $0.path == path ? 0 : ($0.path.isEmpty ? 2 : 1) }
            let ordered = issues.enumerated().sorted {
                (rank($0.element), $0.element.line, $0.offset) < (rank($1.element), $1.element.line, $1.offset)
            }
            throw ConfigError(ordered.map(\.element))
        }
        return (parsed, effective)
    }

    /// Warns about each secret Kafka property given on the command line, where every local user
    /// can read it (`ps`, /proc/PID/cmdline).
    static func warnAboutSecrets(onCommandLine arguments: [String], logger: Logger) {
        for name in ForwardOptions.secretsOnCommandLine(arguments) {
            logger.warning(
                "the secret Kafka property \(name) is given with --kafka-property on the command line, where every local user can read it; put it in a --kafka-property-file readable only by the daemon or in a systemd credential (docs/configuration.md, Secrets)")
        }
    }

    /// The schema accepted every value, so the parser refused a rule across keys (backoff-max below
    /// backoff-min) or an option this build does not have. Points at the line of the first key
    /// from the file that the message names.
    private static func refusal(
        _ message: String, effective: EffectiveConfiguration, path: String, command: ConfigCommand
    ) -> ConfigIssue {
        let named = effective.settings.first { setting in
            guard case .file = setting.source else { return false }
            return message.contains("'\(setting.key.option)'") || message.contains(setting.key.option + " ")
                || message.hasSuffix(setting.key.option)
        }
        guard let named, case .file(let lines) = named.source else {
            return ConfigIssue(.rejected, path: path, line: 0, "refused by `dhcpkafka \(command.rawValue)`: \(message)")
        }
        if message.contains("Unknown option") {
            return ConfigIssue(
                .rejected, path: path, line: lines.first ?? 0,
                "\(named.key) is not supported by this build of `dhcpkafka \(command.rawValue)` (it has no \(named.key.option) option); remove it")
        }
        return ConfigIssue(.rejected, path: path, line: lines.first ?? 0, "\(named.key): \(message)")
    }

    /// A value as `check-config` and reload logs may show it: the values of secret Kafka
    /// properties (by the sink's own list of secret names) replaced by the mask.
    static func masked(_ key: ConfigKey, _ value: String) -> String {
        guard key.secret else { return value }
        guard let equals = value.firstIndex(of: "=") else { return KafkaSinkConfiguration.mask }
        let name = String(value[..<equals])
        return KafkaSinkConfiguration.isSecretProperty(name) ? name + "=" + KafkaSinkConfiguration.mask : value
    }
}
