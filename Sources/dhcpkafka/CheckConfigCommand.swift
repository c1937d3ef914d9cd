import ArgumentParser
import DHCPKafkaConfig
import JSONValue

/// `dhcpkafka check-config FILE`: validates a config file as `run --config FILE` would and shows
/// the effective settings; `--print-reference` prints docs/configuration.md.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and show the effective settings (secrets masked).",
        discussion: """
            Exit status: 0 valid, 1 invalid (every problem on standard error as FILE:LINE: message), \
            2 when no file is named or it cannot be read. --print-reference prints the reference \
            (docs/configuration.md) generated from the same schema the parser uses.
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
            throw ExitCode(2)
        }
        let effective: EffectiveConfiguration
        do throws(ConfigError) {
            let command: RunCommand
            (command, effective) = try ConfigResolution.resolve(RunCommand.self, file: file, command: .run, arguments: [])
            // What `run` checks before it starts anything: the socket group exists, the Kafka settings hold.
            do {
                _ = try command.ingestConfiguration()
                _ = try command.forward.configuration()
            } catch {
                throw ConfigError([ConfigIssue(.rejected, path: file, line: 0, "\(error)")])
            }
        } catch {
            printError(error.description)
            throw ExitCode(error.issues.contains { $0.code == .unreadable } ? 2 : 1)
        }
        let report = ConfigReport(effective, mask: ConfigResolution.masked)
        if json {
            print(report.json.compactText)
        } else {
            print("# \(file): valid; command-line options of `dhcpkafka run` override these settings")
            print(report.text, terminator: "")
        }
    }
}
