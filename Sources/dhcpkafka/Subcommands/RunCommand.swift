import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaDaemon
import DHCPKafkaRuntime
import DHCPKafkaSpool
import Foundation
import Logging

/// `dhcpkafka run`: the daemon. Receives frames on a Unix socket and makes them durable in the spool.
struct RunCommand: AsyncParsableCommand, CheckedSettings {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: receive frames on the Unix socket and store them in the spool.",
        discussion: """
            Stops gracefully on SIGTERM or SIGINT: shuts the socket (writers count later frames \
            as dropped), reads what the kernel had queued, commits it, and exits 0; if the spool \
            refuses commits until --shutdown-timeout, it logs how many frames it lost and exits 1. \
            It also exits 1 when its socket file is deleted or replaced. A second daemon on the same spool is refused. With --config, \
            the file's settings are the defaults and options given here override them; SIGHUP \
            re-reads the file (see docs/configuration.md). \
            Exit status: 0 clean stop, 1 starting or running failed, 2 invalid configuration or option \
            value (nothing started), 64 malformed command line (docs/operations.md).
            """)

    @Option(help: "Config file (docs/configuration.md); options given on the command line override its settings.")
    var config: String?

    @OptionGroup var spoolOptions: SpoolLocation

    @Option(help: "Unix datagram socket to receive frames on (production: \(IngestConfiguration.productionSocketPath)); its directory must exist. The relative default works only in a development checkout.")
    var socket = IngestConfiguration.developmentSocketPath

    @Option(help: "File mode of the socket file, in octal.")
    var socketMode = "0660"

    @Option(help: "Group (name or id) that owns the socket file; DHCP workers must be in it.")
    var socketGroup: String?

    @Option(name: .customLong("allow-uid"), help: "Accept frames only from this user id (repeatable; with --allow-gid: either).")
    var allowUIDs: [UInt32] = []

    @Option(name: .customLong("allow-gid"), help: "Accept frames only from senders in this group, primary or supplementary (repeatable).")
    var allowGIDs: [UInt32] = []

    @Option(help: "Spool capacity in stored bytes (at least 64KiB); the oldest frames are evicted (and counted) beyond it.")
    var capacity = ByteSize(bytes: 1 << 30)

    @Option(help: "Optional limit on the number of stored frames.")
    var maxFrames: Int?

    @Option(help: "sync (every commit on disk), nometasync, or periodic:SECONDS. See docs/spool.md.")
    var durability = DurabilityArgument.sync

    @OptionGroup(title: "Forwarding to Kafka") var forward: ForwardOptions

    @Flag(help: "Only receive and spool; do not start the forwarder (run `dhcpkafka forward` yourself).")
    var noForward = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 (default: off).")
    var metricsListen: String?

    func validate() throws {
        try LoggingBootstrap.validate(logLevel)
        guard capacity.bytes >= SpoolOptions.minimumCapacityBytes else {
            throw ValidationError(
                "--capacity \(capacity) is below the smallest spool, \(ByteSize.format(SpoolOptions.minimumCapacityBytes)); "
                    + "give at least that")
        }
    }

    /// Parses, resolves the one ``DaemonConfiguration`` and hands it to ``Daemon`` (docs/architecture.md).
    func run() async throws {
        if ProcessInfo.processInfo.environment[IngestWorkerSupervisor.workerVariable] != nil {
            // An older `run` (before the worker became `ingest-worker`) restarted its worker from
            // this program's file after a package upgrade replaced it.
            printError("dhcpkafka run: started as the ingest worker of an older dhcpkafka run; restart the service (systemctl restart dhcpkafka)")
            throw ExitCode(ExitStatus.runtimeFailure)
        }
        let arguments = ConfigResolution.commandLine(after: Self.configuration.commandName ?? "run")
        let (command, reload) = try resolved(arguments: arguments)
        LoggingBootstrap.bootstrap(level: command.logLevel)
        let logger = Logger(label: "dhcpkafka")
        ConfigResolution.warnAboutSecrets(onCommandLine: arguments, logger: logger)
        if let effective = reload?.effective {
            for warning in CheckConfigCommand.secretWarnings(effective, forward: command.forward) { logger.warning("\(warning)") }
        }
        try await Failures.exitingWithStatus(logger: logger) {
            let daemon = Daemon(
                configuration: try command.daemonConfiguration(reload: reload), logger: logger,
                setLogLevel: { LoggingBootstrap.setLevel($0) }, verifySpool: { try SpoolPreflight.verify($0) })
            try await daemon.run()
        }
    }
}
