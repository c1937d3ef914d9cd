import DHCPKafkaConfig
import DHCPKafkaRuntime

/// A setting the command refused after parsing (a socket group that does not exist, a Kafka
/// property librdkafka rejects, backoff-max below backoff-min), with what it is about, so the
/// message can point at the config-file line that set it.
struct SettingProblem: Error, Sendable {
    /// The key (and option) it is about, when there is one.
    let key: ConfigKey?
    /// The librdkafka property it is about, to find its `kafka-property` line.
    let property: String?
    /// A file other than the config file that holds the setting (a Kafka property file), and the line.
    let filePath: String?
    let fileLine: Int
    /// What is wrong and what to do, in plain words, without the key's name (the caller adds it).
    let message: String

    init(_ option: String?, property: String? = nil, file: String? = nil, line: Int = 0, _ message: String) {
        self.key = option.flatMap(ConfigSchema.key(option:))
        self.property = property
        self.filePath = file
        self.fileLine = line
        self.message = message
    }

    /// The problem as a config issue: at its line in the property file, at the line of the config
    /// file that set the key, or naming the command-line option.
    func issue(effective: EffectiveConfiguration?) -> ConfigIssue {
        if let filePath { return ConfigIssue(.rejected, path: filePath, line: fileLine, message) }
        guard let key else { return ConfigIssue(.rejected, path: effective?.file?.path ?? "", line: 0, message) }
        if let effective, let file = effective.file, let setting = effective.setting(key),
            case .file(let lines) = setting.source
        {
            var line = lines.first ?? 0
            if let property, let index = setting.values.lastIndex(where: { $0.hasPrefix(property + "=") }), index < lines.count {
                line = lines[index]
            }
            return ConfigIssue(.rejected, path: file.path, line: line, "\(key): \(message)")
        }
        return ConfigIssue(.rejected, path: "", line: 0, "\(key.option): \(message)")
    }
}

/// Every problem of a command's settings, thrown as a whole (so all are fixed in one round);
/// exits with ``ExitStatus/invalidConfiguration`` (2).
struct SettingProblems: ExitStatusProviding, Sendable, CustomStringConvertible {
    let problems: [SettingProblem]

    init(_ problems: [SettingProblem]) { self.problems = problems }

    /// The issues, in file order, where `effective` has a config file.
    func issues(effective: EffectiveConfiguration?) -> [ConfigIssue] { problems.map { $0.issue(effective: effective) } }

    /// Always ``ExitStatus/invalidConfiguration``.
    var exitStatus: Int32 { ExitStatus.invalidConfiguration }

    /// One line per problem, naming command-line options.
    var description: String { issues(effective: nil).map(\.description).joined(separator: "\n") }
}

/// A command whose options are checked beyond parsing before it starts anything; `check-config`,
/// `--config` and SIGHUP run the same check.
protocol CheckedSettings {
    /// Every problem with the settings (empty when they are all usable).
    func settingProblems() -> [SettingProblem]
}
