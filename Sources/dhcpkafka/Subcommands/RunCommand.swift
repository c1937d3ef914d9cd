import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaDaemon
import DHCPKafkaMetrics
import DHCPKafkaRuntime
import DHCPKafkaSocket
import DHCPKafkaSpool
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

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

    func run() async throws {
        var command = self
        var reload: ConfigReloader.Setup?
        let arguments = ConfigResolution.commandLine(after: Self.configuration.commandName ?? "run")
        var given = ConfigResolution.longOptions(in: arguments)
        if let config {
            do throws(ConfigError) {
                let effective: EffectiveConfiguration
                // An ingest worker resolves the text its supervising parent resolved, never the file
                // as it is now (it may be half-edited when a crashed worker is replaced).
                let text: String
                if let handed = ProcessInfo.processInfo.environment[DaemonSupervisor.configTextVariable] {
                    text = handed
                } else {
                    text = try ConfigFile.text(path: config)
                }
                (command, effective) = try ConfigResolution.resolve(
                    Self.self, file: config, text: text, command: .run, arguments: arguments)
                reload = ConfigReloader.Setup(path: config, arguments: arguments, effective: effective, text: text)
                given.formUnion(ConfigResolution.longOptions(in: effective.arguments))
            } catch {
                printError("dhcpkafka run: invalid configuration\n\(error.description)")
                throw ExitCode(ExitStatus.invalidConfiguration)
            }
        } else {
            let problems = settingProblems()
            if !problems.isEmpty {
                printError("dhcpkafka run: invalid options\n\(SettingProblems(problems).description)")
                throw ExitCode(ExitStatus.invalidConfiguration)
            }
        }
        if let refusal = Self.refusalOfBuiltInPaths(given: given, config: config) {
            printError("dhcpkafka run: \(refusal)")
            throw ExitCode(ExitStatus.invalidConfiguration)
        }
        try await command.runDaemon(reload: reload)
    }

    /// The built-in socket and spool paths (`var/dhcpkafka.sock`, `var/spool`) are relative to the
    /// working directory and meant for a development checkout. Elsewhere (a service started from
    /// `/`, an operator in their home directory) they would put the spool somewhere nobody meant,
    /// even into the system's `/var/spool`, so `run` needs both paths said (option or config file)
    /// unless it runs in a checkout. Returns why it refuses, or `nil`.
    static func refusalOfBuiltInPaths(given: Set<String>, config: String?, directory: String = FileManager.default.currentDirectoryPath)
        -> String?
    {
        let missing = [("--spool", "<spool> path", "/var/lib/dhcpkafka/spool"), ("--socket", "<socket> path", IngestConfiguration.productionSocketPath)]
            .filter { !given.contains($0.0) }
        guard !missing.isEmpty, !isDevelopmentCheckout(directory) else { return nil }
        let names = missing.map { "\($0.0) (e.g. \($0.2))" }.joined(separator: " and ")
        let place = config.map { "set \(missing.map(\.1).joined(separator: " and ")) in \($0) or pass " } ?? "pass "
        return "no \(missing.map { $0.0.dropFirst(2) }.joined(separator: " or ")) path given; the built-in defaults are relative "
            + "to the working directory (\(directory)) and only used in a development checkout; \(place)\(names)"
    }

    /// Whether `directory` is a checkout of this project (its Package.swift and Sources/dhcpkafka).
    static func isDevelopmentCheckout(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/Package.swift")
            && FileManager.default.fileExists(atPath: directory + "/Sources/dhcpkafka")
    }

    /// Everything `run` checks before it starts anything: the socket settings and, unless
    /// `--no-forward`, the Kafka settings (by librdkafka itself).
    func settingProblems() -> [SettingProblem] {
        var problems: [SettingProblem] = []
        do throws(SettingProblems) { _ = try ingestConfiguration() } catch { problems += error.problems }
        if let metricsListen, ConfigValueType.listenAddress.normalize(metricsListen) == nil {
            problems.append(SettingProblem(
                "--metrics-listen", "'\(metricsListen.prefix(80))' is not an address to listen on; use \(ConfigValueType.listenAddress.allowed), like 127.0.0.1:9464"))
        }
        if !noForward {
            do throws(SettingProblems) { _ = try forward.configuration() } catch { problems += error.problems }
        }
        return problems
    }

    private func runDaemon(reload: ConfigReloader.Setup?) async throws {
        LoggingBootstrap.bootstrap(level: logLevel)
        let logger = Logger(label: "dhcpkafka")
        do {
            let environment = ProcessInfo.processInfo.environment
            if let restarts = environment[IngestWorkerSupervisor.workerVariable].flatMap(UInt64.init) {
                try await runWorker(logger: logger, reload: reload, restarts: restarts)
            } else {
                try await runSupervisor(logger: logger, reload: reload)
            }
        } catch let error as SpoolError {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        } catch let error as SocketError {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        } catch let error as SettingProblems {
            for line in error.description.split(separator: "\n") { logger.critical("\(line)") }
            throw ExitCode(ExitStatus.invalidConfiguration)
        } catch let error as CLIError {
            logger.critical("\(error.description)")
            throw ExitCode(ExitStatus.invalidConfiguration)
        } catch let error as MetricsEndpointError {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        } catch let error as IngestError {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        } catch let error as SupervisorError {
            logger.critical("\(error.description)")
            throw ExitCode(error.exitStatus ?? ExitStatus.runtimeFailure)
        }
    }

    /// The socket settings, checked (mode, group); `check-config` uses this too.
    func ingestConfiguration() throws(SettingProblems) -> IngestConfiguration {
        var problems: [SettingProblem] = []
        let mode = UInt32(socketMode, radix: 8).flatMap { $0 <= 0o777 ? $0 : nil }
        if mode == nil { problems.append(SettingProblem("--socket-mode", "must be an octal file mode like 0660, not '\(socketMode.prefix(20))'")) }
        var group: UInt32?
        if let socketGroup {
            group = Self.resolveGroup(socketGroup)
            if group == nil {
                problems.append(SettingProblem(
                    "--socket-group", "there is no group named '\(socketGroup.prefix(64))'; create it (groupadd \(socketGroup.prefix(64))) or name an existing group"))
            }
        }
        guard let mode, problems.isEmpty else { throw SettingProblems(problems) }
        return IngestConfiguration(
            socketPath: socket, socketMode: mode, socketGroup: group,
            senders: SenderPolicy(allowedUIDs: Set(allowUIDs), allowedGIDs: Set(allowGIDs)),
            shutdownTimeout: .milliseconds(Int64(forward.shutdownTimeout * 1000)))
    }

    /// The `forward` arguments of the forwarder child for these settings (its Kafka properties go in
    /// ``ForwardOptions/childEnvironment``, never on its command line).
    func forwarderArguments(_ forward: ForwardOptions, logLevel: String) -> [String] {
        ["forward", "--spool", spoolOptions.spool, "--log-level", logLevel, "--exit-with-parent"] + forward.arguments
    }

    /// The ingest worker (started by ``runSupervisor(logger:reload:)`` with the socket passed as
    /// systemd passes it): opens the spool, reads the socket, commits, serves metrics and feeds
    /// systemd's watchdog. It never binds, unlinks or shuts the socket: the parent holds it.
    func runWorker(logger: Logger, reload: ConfigReloader.Setup?, restarts: UInt64) async throws {
        // The worker never outlives its supervising parent: it gets SIGKILL when the parent dies
        // (PR_SET_PDEATHSIG, set before exec), so a new `run` finds the socket and spool free.
        // Trap SIGHUP before the socket appears: whoever sees the daemon ready may reload it, and
        // SIGHUP's default action would end the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // The same for SIGTERM/SIGINT: a stop sent as soon as the socket appears (before the
        // service group runs) is kept and starts the graceful stop, instead of killing the daemon.
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let ingest = try ingestConfiguration()
        let options = SpoolOptions(capacityBytes: capacity.bytes, maxFrames: maxFrames, durability: durability.value)
        // The parent checked the spool (SpoolPreflight) before it took the socket; opening it here
        // refuses a second daemon on the same spool.
        let spool = try Spool.open(at: spoolOptions.spool, options: options)
        defer { try? spool.close() }
        if spool.evictedAtOpen.frames > 0 {
            logger.warning("the spool held more than --capacity allows: evicted the oldest frames (counted, published as gaps)",
                           metadata: ["frames": "\(spool.evictedAtOpen.frames)", "bytes": "\(spool.evictedAtOpen.bytes)"])
        }
        let counters = IngestCounters()
        // Bind the metrics port before the socket: a daemon that cannot serve metrics stops before
        // writers can reach it, and "ready" is said only once everything is bound.
        var endpoint: MetricsEndpoint?
        var metricsURL: String?
        if let metricsListen {
            let source = MetricsSource(
                spool: spool, counters: counters, inFlightWindowFrames: noForward ? 0 : forward.maxInFlightFrames)
            let metrics = RelayMetrics()
            let endpointCounters = MetricsEndpointCounters()
            let bound = try MetricsEndpoint(
                listen: metricsListen, counters: endpointCounters, report: { logger.warning("\($0)") }
            ) {
                metrics.update(source.snapshot())
                metrics.update(endpoint: endpointCounters)
                return metrics.render()
            }
            let host = metricsListen[..<(metricsListen.lastIndex(of: ":") ?? metricsListen.endIndex)]
            metricsURL = "http://\(host):\(bound.port)/metrics"
            endpoint = bound
        }
        guard let server = try IngestSocket.adoptPassed(ingest) else {
            throw SocketError(.create, path: ingest.socketPath, errno: nil,
                              message: "the ingest worker was started without its socket (LISTEN_FDS); start `dhcpkafka run`, not the worker")
        }
        SocketActivation.clearEnvironment()
        defer { server.close() }
        let stats = try spool.stats()
        logger.notice(
            "dhcpkafka \(DHCPKafkaVersion.string) ready",
            metadata: [
                "socket": "\(ingest.socketPath)", "spool": "\(spoolOptions.spool)", "identity": "\(stats.identity)",
                "capacity": "\(ByteSize.format(options.capacityBytes))", "durability": "\(options.durability)",
                "stored_frames": "\(stats.storedFrames)", "next_sequence": "\(stats.nextSequence)",
                "config": "\(reload?.path ?? "none")",
            ])
        if let metricsURL { logger.notice("serving metrics", metadata: ["url": "\(metricsURL)"]) }
        let pipeline = IngestPipeline(
            server: server, spool: spool, configuration: ingest, counters: counters,
            restarts: (restarts, getppid()), logger: logger)
        Self.tellParentReady()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // A failed ingest (socket gone, frames lost at shutdown) stops the rest gracefully: the
        // forwarder gets SIGTERM and saves its watermark; the error then makes the exit status 1.
        services.append(.init(
            service: WorkerService(pipeline), successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup))
        if let endpoint {
            services.append(.init(service: WorkerService(endpoint)))
        }
        services.append(.init(service: ConfigReloader(
            signals: hangups, setup: reload, running: self, forwarder: nil, logger: logger, ingestWorker: true)))
        if let notifier = SystemdNotifier.fromEnvironment() {
            // Last in the list, so it is the first to hear of a shutdown and says STOPPING=1 at once.
            services.append(.init(service: WatchdogService(
                notifier: notifier, healthy: { counters.isMakingProgress(within: .seconds(10)) },
                status: {
                    "accepted \(counters.accepted) frames, rejected \(counters.rejectedTotal) since start, "
                        + "\(counters.pendingFrames) waiting in memory"
                })))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        // Bounds on stopping: a graceful stop that outlasts the forwarder's own stop timeout is
        // escalated to cancellation, and a cancellation that still hangs ends the process (non-zero)
        // rather than leaving a daemon that neither receives nor exits.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(forward.shutdownTimeout * 1000)) + .seconds(20)
        groupConfiguration.maximumCancellationDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for await signal in stops {
                        logger.notice("received \(signal); stopping gracefully")
                        await group.triggerGracefulShutdown()
                    }
                }
                defer { tasks.cancelAll() }
                try await group.run()
            }
        } catch {
            // A service failed; the group cancelled the others and they stopped. Exit non-zero so
            // systemd (Restart=on-failure) starts the daemon again.
            logger.critical("stopping because a service failed: \(error)")
            throw ExitCode(ExitStatus.runtimeFailure)
        }
        logger.notice(
            "stopped",
            metadata: [
                "received": "\(counters.received)",
                "accepted": "\(counters.accepted)",
                "rejected": "\(counters.rejectedTotal)",
                "commits": "\(counters.commits)",
                "commit_p50_us": "\(counters.commitLatency.percentile(50) ?? 0)",
                "commit_p99_us": "\(counters.commitLatency.percentile(99) ?? 0)",
            ])
    }

    private static func resolveGroup(_ name: String) -> UInt32? {
        if let gid = UInt32(name) { return gid }
        return getgrnam(name)?.pointee.gr_gid
    }
}

/// The spool directory option shared by every command that touches a spool.
struct SpoolLocation: ParsableArguments {
    @Option(help: "Spool directory (production: /var/lib/dhcpkafka/spool).")
    var spool = "var/spool"
}

/// `sync`, `nometasync` or `periodic:SECONDS`.
struct DurabilityArgument: ExpressibleByArgument {
    let value: SpoolDurability

    static let sync = DurabilityArgument(value: .sync)

    init(value: SpoolDurability) { self.value = value }

    /// Parses the text as the config file does (``DurabilitySetting``).
    init?(argument: String) {
        switch DurabilitySetting(parsing: argument) {
        case .sync: value = .sync
        case .noMetaSync: value = .noMetaSync
        case .periodic(let seconds): value = .periodic(interval: .milliseconds(Int64(seconds * 1000)))
        case nil: return nil
        }
    }

    /// The default as `--help` shows it, `sync` (ArgumentParser asks the default value itself; a
    /// `static` property of this name is never read).
    var defaultValueDescription: String { "\(value)" }
}
