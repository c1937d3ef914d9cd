import DHCPKafkaConfig
import DHCPKafkaMetrics
import DHCPKafkaRuntime
import DHCPKafkaSocket
import DHCPKafkaSpool
import Foundation
import Logging
import Synchronization
import ServiceLifecycle
import UnixSignals

/// The ingest worker, assembled from the ``IngestWorkerConfiguration`` its supervising parent
/// resolved (``Daemon`` starts it as this executable again, with the socket passed as systemd
/// passes it): opens the spool, reads the socket, commits, serves metrics, feeds systemd's watchdog
/// and applies reloaded settings from its control channel. It never binds, unlinks or shuts the
/// socket: the parent holds it.
public struct IngestWorker: Sendable {
    /// What it runs with.
    public let configuration: IngestWorkerConfiguration
    /// This build's version, for the "ready" line.
    public let version: String
    /// Restarts of the worker before this one (the parent counts them).
    public let restarts: UInt64
    let logger: Logger
    let setLogLevel: @Sendable (Logger.Level) -> Void

    /// A worker; `setLogLevel` changes the level of every logger in the process (the executable
    /// owns logging).
    public init(
        configuration: IngestWorkerConfiguration, version: String, restarts: UInt64, logger: Logger,
        setLogLevel: @escaping @Sendable (Logger.Level) -> Void
    ) {
        self.configuration = configuration
        self.version = version
        self.restarts = restarts
        self.logger = logger
        self.setLogLevel = setLogLevel
    }

    /// Runs until SIGTERM/SIGINT (graceful: commits what was queued) or a failure. Throws
    /// ``ExitStatusProviding`` errors: what kept it from starting, or ``ServiceFailure``.
    public func run() async throws {
        // The worker never outlives its supervising parent: it gets SIGKILL when the parent dies
        // (PR_SET_PDEATHSIG, set before exec), so a new `run` finds the socket and spool free.
        // Trap SIGHUP before the socket appears: its default action would end the worker. Reloads
        // reach the worker from its parent, on its control channel.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // The same for SIGTERM/SIGINT: a stop sent as soon as the socket appears (before the
        // service group runs) is kept and starts the graceful stop, instead of killing the daemon.
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let ingest = configuration.ingest
        let options = configuration.spool
        // The parent checked the spool (its preflight) before it took the socket; opening it here
        // refuses a second daemon on the same spool.
        let spool = try Spool.open(at: configuration.spoolPath, options: options)
        defer { try? spool.close() }
        if spool.evictedAtOpen.frames > 0 {
            logger.warning("the spool held more than --capacity allows: evicted the oldest frames (counted, published as gaps)",
                           metadata: ["frames": "\(spool.evictedAtOpen.frames)", "bytes": "\(spool.evictedAtOpen.bytes)"])
        }
        let counters = IngestCounters()
        // Bind the metrics port before the socket: a daemon that cannot serve metrics stops before
        // writers can reach it, and "ready" is said only once everything is bound.
        let metrics = try metricsEndpoint(spool: spool, counters: counters)
        guard let server = try IngestSocket.adoptPassed(ingest) else {
            throw SocketError(.create, path: ingest.socketPath, errno: nil,
                              message: "the ingest worker was started without its socket (LISTEN_FDS); start `dhcpkafka run`, not the worker")
        }
        SocketActivation.clearEnvironment()
        defer { server.close() }
        let stats = try spool.stats()
        logger.notice(
            "dhcpkafka \(version) ready",
            metadata: [
                "socket": "\(ingest.socketPath)", "spool": "\(configuration.spoolPath)", "identity": "\(stats.identity)",
                "capacity": "\(ByteSize.format(options.capacityBytes))", "durability": "\(options.durability)",
                "stored_frames": "\(stats.storedFrames)", "next_sequence": "\(stats.nextSequence)",
                "config": "\(configuration.configPath ?? "none")",
            ])
        if let url = metrics?.url { logger.notice("serving metrics", metadata: ["url": "\(url)"]) }
        let pipeline = IngestPipeline(
            server: server, spool: spool, configuration: ingest, counters: counters,
            restarts: (restarts, getppid()), logger: logger)
        Self.tellParentReady()
        let group = ServiceGroup(configuration: groupConfiguration(
            pipeline: pipeline, metrics: metrics?.endpoint, counters: counters, hangups: hangups))
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
            throw ServiceFailure(error)
        }
        logger.notice(
            "stopped",
            metadata: [
                "received": "\(counters.received)", "accepted": "\(counters.accepted)",
                "rejected": "\(counters.rejectedTotal)", "commits": "\(counters.commits)",
                "commit_p50_us": "\(counters.commitLatency.percentile(50) ?? 0)",
                "commit_p99_us": "\(counters.commitLatency.percentile(99) ?? 0)",
            ])
    }

    /// The services: ingest, metrics, the control channel, SIGHUP, the watchdog.
    private func groupConfiguration(
        pipeline: IngestPipeline, metrics: MetricsEndpoint?, counters: IngestCounters, hangups: UnixSignalsSequence
    ) -> ServiceGroupConfiguration {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // A failed ingest (socket gone, frames lost at shutdown) stops the rest gracefully: the
        // error then makes the exit status 1.
        services.append(.init(
            service: WorkerService(pipeline), successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup))
        if let metrics { services.append(.init(service: WorkerService(metrics))) }
        let (logger, setLogLevel) = (self.logger, self.setLogLevel)
        let running = Mutex(configuration.logLevel)
        if let control = WorkerControl.fromEnvironment(logger: logger, apply: { next in
            // The parent reports the reload; the worker applies the live keys quietly.
            if running.withLock({ level in defer { level = next.logLevel }; return level != next.logLevel }) {
                setLogLevel(next.level)
            }
        }) {
            services.append(.init(service: WorkerService(control)))
        }
        services.append(.init(service: IgnoredHangups(signals: hangups, logger: logger)))
        if let notifier = SystemdNotifier.fromEnvironment() {
            // Last in the list, so it is the first to hear of a shutdown and says STOPPING=1 at once.
            services.append(.init(service: WatchdogService(
                notifier: notifier, healthy: { counters.isMakingProgress(within: .seconds(10)) },
                status: {
                    "accepted \(counters.accepted) frames, rejected \(counters.rejectedTotal) since start, "
                        + "\(counters.pendingFrames) waiting in memory"
                })))
        }
        var group = ServiceGroupConfiguration(services: services, logger: logger)
        // Bounds on stopping: a graceful stop that outlasts the forwarder's own stop timeout is
        // escalated to cancellation, and a cancellation that still hangs ends the process (non-zero)
        // rather than leaving a daemon that neither receives nor exits.
        group.maximumGracefulShutdownDuration = configuration.ingest.shutdownTimeout + .seconds(20)
        group.maximumCancellationDuration = .seconds(30)
        return group
    }

    /// The metrics endpoint, bound, and its URL; `nil` without `--metrics-listen`.
    private func metricsEndpoint(spool: Spool, counters: IngestCounters) throws -> (endpoint: MetricsEndpoint, url: String)? {
        guard let listen = configuration.metricsListen else { return nil }
        let source = MetricsSource(spool: spool, counters: counters, inFlightWindowFrames: configuration.inFlightWindowFrames)
        let metrics = RelayMetrics()
        let endpointCounters = MetricsEndpointCounters()
        let logger = self.logger
        let endpoint = try MetricsEndpoint(listen: listen, counters: endpointCounters, report: { logger.warning("\($0)") }) {
            metrics.update(source.snapshot())
            metrics.update(endpoint: endpointCounters)
            return metrics.render()
        }
        let host = listen[..<(listen.lastIndex(of: ":") ?? listen.endIndex)]
        return (endpoint, "http://\(host):\(endpoint.port)/metrics")
    }

    /// Tells the supervising parent the worker started (a byte on the pipe it passed).
    static func tellParentReady() {
        guard let text = ProcessInfo.processInfo.environment[WorkerProcess.readyDescriptorVariable], let fd = Int32(text), fd > 2
        else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
        close(fd)
        unsetenv(WorkerProcess.readyDescriptorVariable)
    }
}

/// Keeps SIGHUP from ending the worker until graceful shutdown (a terminal's hangup reaches the
/// whole process group). Reloads come from the supervising parent.
struct IgnoredHangups: Service {
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.debug("SIGHUP in the ingest worker: ignored; its supervising parent reloads and hands over the settings")
        }
    }
}
