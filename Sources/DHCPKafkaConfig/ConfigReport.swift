import JSONValue

/// What `dhcpkafka check-config` prints: every key of the schema with its effective value and where
/// the value comes from, secrets masked by the caller's `mask`.
public struct ConfigReport {
    /// The configuration to show.
    public let configuration: EffectiveConfiguration
    /// Returns the value to show for a value of a key (the secret-masking policy lives with the
    /// Kafka sink, so the caller supplies it).
    public let mask: (ConfigKey, String) -> String

    /// A report of `configuration`.
    public init(_ configuration: EffectiveConfiguration, mask: @escaping (ConfigKey, String) -> String) {
        self.configuration = configuration
        self.mask = mask
    }

    /// The values shown for a setting: its own, or its default.
    private func shown(_ setting: EffectiveConfiguration.Setting) -> [String] {
        setting.values.isEmpty ? (setting.key.defaultValue.map { [$0] } ?? []) : setting.values.map { mask(setting.key, $0) }
    }

    /// Sections with one `key  value  (origin)` line per value.
    public var text: String {
        var out = ""
        for section in ConfigSchema.sections {
            let settings = configuration.settings.filter { $0.key.section == section }
            guard !settings.isEmpty else { continue }
            out += "<\(section)>\n"
            for setting in settings {
                let values = shown(setting)
                let lines: [Int]
                switch setting.source {
                case .file(let fileLines): lines = fileLines
                default: lines = []
                }
                if values.isEmpty {
                    out += row(setting.key.name, "(\(setting.key.defaultDescription))", origin(setting.source, line: nil))
                }
                for (index, value) in values.enumerated() {
                    out += row(setting.key.name, value, origin(setting.source, line: index < lines.count ? lines[index] : nil))
                }
            }
            out += "</\(section)>\n"
        }
        return out
    }

    private func row(_ name: String, _ value: String, _ origin: String) -> String {
        let padded = name.padding(22)
        return "    \(padded) \(value.padding(36)) # \(origin)\n"
    }

    private func origin(_ source: EffectiveConfiguration.Source, line: Int?) -> String {
        switch source {
        case .default: return "default"
        case .commandLine: return "command line"
        case .file: return "\(configuration.file?.path ?? "file"):\(line ?? 0)"
        }
    }

    /// `{"file": …, "valid": true, "settings": [{section, key, values, source, lines, option, reload}, …]}`.
    public var json: JSONValue {
        let settings: [JSONValue] = configuration.settings.map { setting in
            let source: String
            var lines: [JSONValue] = []
            switch setting.source {
            case .default: source = "default"
            case .commandLine: source = "command-line"
            case .file(let fileLines):
                source = "file"
                lines = fileLines.map { .int(Int64($0)) }
            }
            return .object([
                ("section", .string(setting.key.section)), ("key", .string(setting.key.name)),
                ("values", .array(shown(setting).map { .string($0) })), ("source", .string(source)),
                ("lines", .array(lines)), ("default", .string(setting.key.defaultDescription)),
                ("multiple", .bool(setting.key.multiple)), ("option", .string(setting.key.option)),
                ("reload", .string(setting.key.reload.summary)),
            ])
        }
        return .object([
            ("file", configuration.file.map { .string($0.path) } ?? .null), ("valid", .bool(true)),
            ("settings", .array(settings)),
        ])
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
