import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaDaemon
import DHCPKafkaRuntime
import DHCPKafkaForwarder
import DHCPKafkaSpool
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `dhcpkafka forward`: the forwarder process. `dhcpkafka run` starts and supervises one; run it
/// yourself only for a spool whose ingest runs with `--no-forward`.
struct ForwardCommand: AsyncParsableCommand, CheckedSettings {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Forward a spool to Kafka (started by `run`; on its own with `run --no-forward`).",
        discussion: """
            Publishes each stored frame unchanged as a Kafka record, removes frames from the spool \
            only once Kafka acknowledged them (in sequence order), retries with exponential backoff \
            while Kafka is unreachable, and moves frames Kafka rejects permanently to the dead letters. \
            SIGTERM: waits for records in flight (--shutdown-timeout), persists the watermark, exits 0. \
            Exit status: 0 clean stop, 1 starting or running failed, 2 invalid configuration or option \
            value (nothing started), 64 malformed command line (docs/operations.md).
            """)

    @Option(help: "Config file (docs/configuration.md); options given on the command line override its settings.")
    var config: String?

    @OptionGroup var location: SpoolLocation
    @OptionGroup var options: ForwardOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Flag(help: .hidden) var exitWithParent = false

    func validate() throws { try LoggingBootstrap.validate(logLevel) }

    func run() async throws {
        guard let config else { return try await runForwarder() }
        let arguments = ConfigResolution.commandLine(after: Self.configuration.commandName ?? "forward")
        let command: ForwardCommand
        do {
            (command, _) = try ConfigResolution.resolve(Self.self, file: config, command: .forward, arguments: arguments)
        } catch {
            printError("dhcpkafka forward: invalid configuration\n\(error.description)")
            throw ExitCode(ExitStatus.invalidConfiguration)
        }
        try await command.runForwarder()
    }

    /// The forwarding options' problems (Kafka properties checked by librdkafka itself).
    func settingProblems() -> [SettingProblem] {
        do throws(SettingProblems) { _ = try options.configuration() } catch { return error.problems }
        return []
    }

    private func runForwarder() async throws {
        if exitWithParent {
            // Started by `dhcpkafka run`: never outlive it, even if it is SIGKILLed. (Not
            // PR_SET_PDEATHSIG: that fires when the *thread* that spawned us exits, and `run`
            // spawns from a pool thread that may come and go.)
            ParentWatch.start()
            // Own process group: a terminal's Ctrl-C reaches `run`, which stops us in order.
            _ = setpgid(0, 0)
        }
        LoggingBootstrap.bootstrap(level: logLevel)
        let logger = Logger(label: "dhcpkafka.forward")
        var options = self.options
        if exitWithParent {
            options.adoptInheritedProperties()
        } else {
            ConfigResolution.warnAboutSecrets(
                onCommandLine: ConfigResolution.commandLine(after: Self.configuration.commandName ?? "forward"), logger: logger)
        }
        try await Failures.exitingWithStatus(logger: logger) {
            let configuration = try options.configuration()
            let spool = try Spool.open(at: location.spool, role: .forwarder)
            defer { try? spool.close() }
            let forwarder = try Forwarder(configuration: configuration, spool: spool, logger: logger)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: WorkerService(forwarder))],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
