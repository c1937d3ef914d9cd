import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaSink

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

    /// Reads the file and parses `Command` from its settings followed by `arguments`.
    static func resolve<Command: ParsableArguments>(
        _: Command.Type, file path: String, command: ConfigCommand, arguments: [String]
    ) throws(ConfigError) -> (Command, EffectiveConfiguration) {
        let file = try ConfigFile.load(path: path)
        let effective = EffectiveConfiguration(file: file, command: command, commandLineOptions: longOptions(in: arguments))
        do {
            return (try Command.parse(effective.arguments + arguments), effective)
        } catch {
            throw ConfigError([refusal(Command.message(for: error), effective: effective, path: path, command: command)])
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
