/// The value every key has for one command: from the config file, from the command line (which
/// wins), or the built-in default. Compares two readings of the file for SIGHUP; the relay's
/// commands set their options from its settings, the looking glass parses them as arguments.
public struct EffectiveConfiguration: Sendable {
    /// Where a setting's value comes from.
    public enum Source: Sendable, Equatable {
        /// The built-in default.
        case `default`
        /// The config file, on these lines.
        case file(lines: [Int])
        /// An option on the command line, which overrides the file.
        case commandLine
    }

    /// One key's value.
    public struct Setting: Sendable {
        /// The key.
        public let key: ConfigKey
        /// The values from the file (several for a multi-valued key); empty when not from the file.
        public let values: [String]
        /// Where the value comes from.
        public let source: Source
    }

    /// The file, if there is one.
    public let file: ConfigFile?
    /// One setting per key the command takes, in schema order.
    public let settings: [Setting]

    /// Combines `file` with the long options given on the command line (`--broker`, …): a key whose
    /// option is among them is taken from the command line entirely, also for repeatable keys.
    public init(file: ConfigFile?, command: ConfigCommand, commandLineOptions: Set<String>) {
        self.file = file
        settings = ConfigSchema.keys.filter { $0.commands.contains(command) }.map { key in
            if commandLineOptions.contains(key.option) { return Setting(key: key, values: [], source: .commandLine) }
            let entries = file?.entries(for: key) ?? []
            if entries.isEmpty { return Setting(key: key, values: [], source: .default) }
            return Setting(key: key, values: entries.map(\.value), source: .file(lines: entries.map(\.line)))
        }
    }

    private init(file: ConfigFile?, settings: [Setting]) {
        self.file = file
        self.settings = settings
    }

    /// This configuration with the settings of `keys` taken from `newer`: what runs after a reload
    /// applied those keys and kept the others.
    public func applying(_ keys: Set<ConfigKey>, from newer: EffectiveConfiguration) -> EffectiveConfiguration {
        EffectiveConfiguration(
            file: newer.file,
            settings: settings.map { setting in
                keys.contains(setting.key) ? newer.setting(setting.key) ?? setting : setting
            })
    }

    /// The file's settings as command-line arguments (`["--broker", "k1:9092", "--topic", "t"]`),
    /// to be parsed in front of the real command line (how the looking glass reads its file). Defaults and overridden keys are left out:
    /// the command's own defaults and options then apply.
    public var arguments: [String] {
        settings.flatMap { setting in setting.values.flatMap { [setting.key.option, $0] } }
    }

    /// This configuration with `other`'s settings for the keys it does not have (in schema order):
    /// `check-config` shows the relay's settings and the looking glass's `<lookingglass>` ones together.
    public func including(_ other: EffectiveConfiguration) -> EffectiveConfiguration {
        let known = Set(settings.map(\.key))
        let added = other.settings.filter { !known.contains($0.key) }
        let sections = Dictionary(uniqueKeysWithValues: ConfigSchema.sections.enumerated().map { ($1, $0) })
        let keys = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.enumerated().map { ($1, $0) })
        func rank(_ setting: Setting) -> (Int, Int) { (sections[setting.key.section] ?? 0, keys[setting.key] ?? 0) }
        return EffectiveConfiguration(file: file, settings: (settings + added).sorted { rank($0) < rank($1) })
    }

    /// The setting of `key`, if the command takes it.
    public func setting(_ key: ConfigKey) -> Setting? { settings.first { $0.key == key } }

    /// The keys whose value differs in `newer` (a re-read of the file with the same command line),
    /// with both values. Keys set on the command line never change.
    public func changes(to newer: EffectiveConfiguration) -> [ConfigChange] {
        settings.compactMap { old in
            guard let new = newer.setting(old.key), old.source != .commandLine, new.source != .commandLine,
                old.values != new.values
            else { return nil }
            return ConfigChange(key: old.key, old: old.values, new: new.values)
        }
    }
}

/// A key whose value changed between two readings of the config file.
public struct ConfigChange: Sendable, Equatable {
    /// The key.
    public let key: ConfigKey
    /// The values before; empty for the default.
    public let old: [String]
    /// The values now; empty for the default.
    public let new: [String]

    /// `old` in words, for log lines (the default's description when unset).
    public func describe(_ values: [String], mask: (ConfigKey, String) -> String) -> String {
        guard !values.isEmpty else { return key.defaultValue ?? key.defaultDescription }
        return values.map { mask(key, $0) }.joined(separator: ", ")
    }
}
