import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaSink
import Logging

/// Turns `--config FILE` plus the real command line into the command the operator meant: the real
/// command line is parsed, then every file setting whose option it does not give is put into that
/// option (``ConfigSettable``, with the option's own conversion), then the command's validation runs
/// again. So the file and the command line share one conversion and one validation, the command
/// line wins, and no command line is rebuilt from the file.
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

    /// Reads the file and makes `Command` from `arguments` and its settings (``command(_:effective:arguments:path:command:)``),
    /// then checks the settings as the command will use them (``CheckedSettings``). Every problem is
    /// reported at once: the lines refused, and the problems of the settings accepted.
    ///
    /// With `text`, that text stands for the file's (a reload reads the file once and resolves that).
    static func resolve<Command: ConfigSettable & CheckedSettings>(
        _: Command.Type, file path: String, text: String? = nil, command: ConfigCommand, arguments: [String]
    ) throws(ConfigError) -> (Command, EffectiveConfiguration) {
        let source: String
        if let text { source = text } else { source = try ConfigFile.text(path: path) }
        let (file, fileIssues) = ConfigFile.parseCollecting(source, path: path)
        let effective = EffectiveConfiguration(file: file, command: command, commandLineOptions: longOptions(in: arguments))
        var issues = fileIssues
        let parsed: Command
        do throws(ConfigError) {
            parsed = try Self.command(Command.self, effective: effective, arguments: arguments, path: path, command: command)
        } catch {
            throw ConfigError(issues + error.issues)
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

    /// `Command` as the real command line `arguments` and the file's settings in `effective` give it:
    /// the command line parsed, each file setting put into its option, then the command's own
    /// validation (which parsing ran before the file's values were in).
    static func command<Command: ConfigSettable>(
        _: Command.Type, effective: EffectiveConfiguration, arguments: [String], path: String, command: ConfigCommand
    ) throws(ConfigError) -> Command {
        var parsed: Command
        do {
            parsed = try Command.parse(arguments)
        } catch {
            throw ConfigError([refusal(Command.message(for: error), effective: effective, path: path, command: command)])
        }
        var issues: [ConfigIssue] = []
        for setting in effective.settings {
            guard case .file(let lines) = setting.source else { continue }
            do throws(OptionRefusal) {
                try parsed.set(setting.key, to: setting.values)
            } catch {
                issues.append(error.issue(setting.key, path: path, line: lines.first ?? 0))
            }
        }
        guard issues.isEmpty else { throw ConfigError(issues) }
        do {
            try parsed.validate()
        } catch {
            throw ConfigError([refusal(Command.message(for: error), effective: effective, path: path, command: command)])
        }
        return parsed
    }

    /// The long options the config file sets in `effective` (those the command line does not give).
    static func fileOptions(_ effective: EffectiveConfiguration) -> Set<String> {
        Set(effective.settings.compactMap { setting in
            guard case .file = setting.source else { return nil }
            return setting.key.option
        })
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
