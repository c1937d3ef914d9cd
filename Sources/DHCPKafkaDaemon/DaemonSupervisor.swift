import DHCPKafkaRuntime
import DHCPKafkaSocket
import DHCPKafkaSpool
import Foundation
import Logging
import ServiceLifecycle

/// `dhcpkafka run`'s supervising parent, built from one resolved configuration: it holds the ingest
/// socket (bound here, or passed by systemd) and keeps an ingest worker and the forwarder running.
/// A worker that dies is replaced at once on the same socket, so its queue survives and writers
/// never see "connection refused" (docs/architecture.md, "The socket outlives the process that
/// reads it"). ``Daemon`` builds its ``Configuration`` from the resolved ``DaemonConfiguration``.
public struct DaemonSupervisor: Sendable {
    /// A child process to run: this executable again, with its arguments and added environment.
    public struct ChildCommand: Sendable {
        /// The executable.
        public var executable: String
        /// Its arguments (without the program name).
        public var arguments: [String]
        /// Variables added to (or replacing) this process's environment in the child's.
        public var environment: [String: String]

        /// Describes a child.
        public init(executable: String, arguments: [String], environment: [String: String]) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
        }
    }

    /// Everything the parent needs, resolved from the config file and the options.
    public struct Configuration: Sendable {
        /// The socket and how it is made.
        public var ingest: IngestConfiguration
        /// The ingest worker (`dhcpkafka ingest-worker`, its configuration in its environment).
        public var worker: ChildCommand
        /// The forwarder, unless `--no-forward`.
        public var forwarder: ChildCommand?
        /// The forwarder's own shutdown timeout (Kafka flush); the stop bounds derive from it.
        public var shutdownTimeout: Duration

        /// A configuration.
        public init(ingest: IngestConfiguration, worker: ChildCommand, forwarder: ChildCommand?, shutdownTimeout: Duration) {
            self.ingest = ingest
            self.worker = worker
            self.forwarder = forwarder
            self.shutdownTimeout = shutdownTimeout
        }
    }

    /// The resolved configuration.
    public let configuration: Configuration
    let logger: Logger

    /// A supervisor for `configuration`.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Takes the socket, runs the services until a stop signal from `stops` (graceful) or a failure,
    /// and returns the ingest worker's restarts. `reloader` makes the SIGHUP service from the
    /// forwarder's supervisor (if any) and the worker's. Throws ``SupervisorError`` when the worker
    /// cannot start, and rethrows what stopped a failed service.
    public func run<Stops: AsyncSequence & Sendable>(
        stops: Stops, reloader: (ChildSupervisor?, IngestWorkerSupervisor) -> any Service
    ) async throws -> UInt64 where Stops.Element: Sendable & CustomStringConvertible {
        let ingest = configuration.ingest
        switch DatagramQueueLength.ensure(atLeast: ingest.minimumDatagramQueueLength) {
        case .sufficient: break
        case .raised(let from, let to):
            logger.notice("raised net.unix.max_dgram_qlen so bursts queue instead of dropping", metadata: ["from": "\(from)", "to": "\(to)"])
        case .tooLow(let value, let reason):
            logger.warning(
                "net.unix.max_dgram_qlen is \(value): writers will drop frames in bursts. \(reason)",
                metadata: ["wanted": "\(ingest.minimumDatagramQueueLength)"])
        }
        let (server, origin) = try IngestSocket.acquire(ingest, logger: logger)
        defer { server.close() }
        let shared = SendableServer(server)
        let logger = self.logger
        var environment = ProcessInfo.processInfo.environment.merging(configuration.worker.environment) { $1 }
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { environment[name] = nil }
        // The worker feeds systemd's watchdog (NotifyAccess=all): WATCHDOG_PID names this process.
        environment["WATCHDOG_PID"] = nil
        let worker = IngestWorkerSupervisor(
            executable: configuration.worker.executable, arguments: configuration.worker.arguments, environment: environment,
            socket: server.fileDescriptor, stopTimeout: configuration.shutdownTimeout + .seconds(15),
            beforeStop: {
                // A socket this process bound dies with it: stop new datagrams so the worker can read
                // the queue empty. A passed socket stays with systemd and keeps its queue.
                do { try shared.server.stopReceiving() } catch {
                    logger.error("cannot shut the ingest socket; frames queued after this may be lost", metadata: ["error": "\(error)"])
                }
            }, logger: logger)
        // Services stop in reverse order: the worker commits what was queued, then the forwarder
        // gets SIGTERM and flushes what is in flight.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var forwarder: ChildSupervisor?
        if let command = configuration.forwarder {
            let child = ChildSupervisor(
                executable: URL(fileURLWithPath: command.executable), arguments: command.arguments,
                environment: command.environment, name: "forwarder",
                stopTimeout: configuration.shutdownTimeout + .seconds(5), logger: logger)
            // Started once the worker opened the spool (an unclean stop bumps its epoch at open).
            services.append(.init(service: AfterIngestReady(worker: worker, service: child)))
            forwarder = child
        }
        services.append(.init(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        if server.checksPath {
            services.append(.init(service: SocketPathWatch(server: server, logger: logger), failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: reloader(forwarder, worker)))
        logger.info("holding the ingest socket for the ingest worker", metadata: ["socket": "\(ingest.socketPath)", "origin": "\(origin.rawValue)"])
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        // Bounds on stopping: a graceful stop that outlasts the worker's and forwarder's own stop
        // timeouts is escalated to cancellation, and a cancellation that still hangs ends the process.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout + .seconds(30)
        groupConfiguration.maximumCancellationDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for try await signal in stops {
                    logger.notice("received \(signal); stopping gracefully")
                    await group.triggerGracefulShutdown()
                }
            }
            defer { tasks.cancelAll() }
            try await group.run()
        }
        return worker.restarts
    }
}

extension DaemonSupervisor {
    /// Refuses a spool another daemon writes, naming that daemon's `run` pid (its ingest worker
    /// holds the lock; the pid to stop is the worker's supervising parent). Checked before the
    /// socket is touched, so a second daemon never takes over the socket path of the first.
    ///
    /// An ingest worker whose `run` just died (SIGKILL) is being killed with it (PR_SET_PDEATHSIG):
    /// its lock is waited for, up to 10 s, instead of refused.
    public static func checkSpoolIsFree(_ path: String) throws(SpoolError) {
        let deadline = ContinuousClock.now + .seconds(10)
        var holder = Spool.writerPid(at: path)
        while let pid = holder, isOrphanedWorker(pid), ContinuousClock.now < deadline {
            usleep(20_000)
            holder = Spool.writerPid(at: path)
        }
        guard let holder else { return }
        let owner = supervisor(of: holder) ?? holder
        throw SpoolError(
            code: .heldByAnotherWriter,
            message: "spool at \(path) is held by pid \(owner) (dhcpkafka run?); stop it first or use another --spool directory")
    }

    /// Whether `pid` is an ingest worker whose supervising `run` is gone (it dies with it).
    static func isOrphanedWorker(_ pid: Int32) -> Bool {
        guard let variables = environment(of: pid), variables[IngestWorkerSupervisor.workerVariable] != nil,
            let started = variables[ChildSupervisor.parentPIDVariable].flatMap(Int32.init)
        else { return false }
        return parent(of: pid) != started
    }

    /// The environment of process `pid`, if readable.
    static func environment(of pid: Int32) -> [String: String]? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { return nil }
        var variables: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }

    /// The parent pid of `pid` (/proc/PID/stat), if it exists.
    static func parent(of pid: Int32) -> Int32? {
        ProcessStat(pid: pid)?.parent
    }

    /// The pid of the `dhcpkafka run` that supervises `pid`, if `pid` is an ingest worker.
    static func supervisor(of pid: Int32) -> Int32? {
        guard let parent = ProcessStat(pid: pid)?.parent, parent > 1,
            let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")),
            environment.split(separator: 0).contains(where: { $0.starts(with: Array("\(IngestWorkerSupervisor.workerVariable)=".utf8)) })
        else { return nil }
        return parent
    }
}
