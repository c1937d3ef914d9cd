import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaRuntime
import DHCPKafkaSink
import JSONValue

/// `dhcpkafka check-config FILE`: validates a config file as `run --config FILE` would and shows
/// the effective settings; `--print-reference` prints docs/configuration.md.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and show the effective settings (secrets masked).",
        discussion: """
            Checks what `run --config FILE` checks before it starts: every line, the socket group, \
            and every Kafka property by librdkafka itself (including files it names, like \
            ssl.ca.location). Exit status: 0 valid (warnings, such as a secret in a file others can \
            read, go to standard error), 2 invalid or unreadable (every problem on standard error as \
            FILE:LINE: message), 64 for a malformed command line. --print-reference prints the \
            reference (docs/configuration.md) generated from the same schema the parser uses.
            """)

    @Argument(help: "The config file.")
    var file: String?

    @Flag(help: "Print the effective settings as JSON.")
    var json = false

    @Flag(help: "Print the Markdown reference of every section and key (docs/configuration.md) and exit.")
    var printReference = false

    func run() throws {
        if printReference {
            print(ConfigReference.markdown, terminator: "")
            return
        }
        guard let file else {
            printError("check-config: name the config file to check, e.g. dhcpkafka check-config /etc/dhcpkafka/dhcpkafka.conf")
            throw ExitCode(ExitStatus.usage)
        }
        let effective: EffectiveConfiguration
        let command: RunCommand
        do throws(ConfigError) {
            (command, effective) = try ConfigResolution.resolve(RunCommand.self, file: file, command: .run, arguments: [])
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.invalidConfiguration)
        }
        for warning in Self.secretWarnings(effective, forward: command.forward) { printError("warning: \(warning)") }
        // The same file configures `dhcpkafka-lookingglass`: its <lookingglass> settings are shown too.
        let lookingGlass = EffectiveConfiguration(file: effective.file, command: .lookingglass, commandLineOptions: [])
        let report = ConfigReport(effective.including(lookingGlass), mask: ConfigResolution.masked)
        if json {
            print(report.json.compactText)
        } else {
            print(
                "# \(file): valid; command-line options of `dhcpkafka run` (of `dhcpkafka-lookingglass` for "
                    + "<lookingglass>) override these settings")
            print(report.text, terminator: "")
        }
    }

    /// Secrets that others can read: a config file readable by every user that holds a secret
    /// Kafka property, and property files readable by every user.
    static func secretWarnings(_ effective: EffectiveConfiguration, forward: ForwardOptions) -> [String] {
        var warnings: [String] = []
        if let file = effective.file, KafkaPropertyFile.isReadableByOthers(file.path) {
            let secrets = file.entries.filter { entry in
                entry.key.secret && KafkaSinkConfiguration.isSecretProperty(String(entry.value.prefix { $0 != "=" }))
            }
            if let first = secrets.first {
                let name = first.value.prefix { $0 != "=" }
                warnings.append(
                    "\(file.path):\(first.line): \(name) is a secret, and every local user can read this file (mode \(KafkaPropertyFile.modeText(file.path))); "
                        + "make it readable only by the daemon (chown root:dhcpkafka, chmod 0640) or move the secret to a kafka-property-file or a systemd credential")
            }
        }
        for path in forward.kafkaPropertyFiles where KafkaPropertyFile.isReadableByOthers(path) {
            warnings.append(
                "\(path): this Kafka property file is readable by every local user (mode \(KafkaPropertyFile.modeText(path))); "
                    + "make it readable only by the daemon: chown root:dhcpkafka \(path); chmod 0640 \(path)")
        }
        return warnings
    }
}
