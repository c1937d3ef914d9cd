import DHCPKafkaRuntime
import DHCPKafkaSocket
import Logging
import UnixSignals

/// `dhcpkafka run`, assembled from one ``DaemonConfiguration``: the supervising parent that holds
/// the ingest socket, keeps an ``IngestWorker`` (this executable again, handed its
/// ``IngestWorkerConfiguration``) and the forwarder child running, and reloads the config file on
/// SIGHUP. The command line only parses, resolves the configuration and hands it over.
public struct Daemon: Sendable {
    /// What it runs.
    public let configuration: DaemonConfiguration
    let logger: Logger
    let setLogLevel: @Sendable (Logger.Level) -> Void
    let verifySpool: @Sendable (String) throws -> Void

    /// A daemon. `setLogLevel` changes the level of every logger in the process (the executable
    /// owns logging); `verifySpool` checks an existing spool before the socket is taken (`run`
    /// walks it in a child process, so damaged pages that crash LMDB are refused with a message).
    public init(
        configuration: DaemonConfiguration, logger: Logger, setLogLevel: @escaping @Sendable (Logger.Level) -> Void,
        verifySpool: @escaping @Sendable (String) throws -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.setLogLevel = setLogLevel
        self.verifySpool = verifySpool
    }

    /// Runs until SIGTERM/SIGINT (graceful) or a failure. Throws ``ExitStatusProviding`` errors:
    /// what kept it from starting (a held or damaged spool, the socket, a worker that failed at
    /// start), or ``ServiceFailure``.
    public func run() async throws {
        // Trap SIGHUP and SIGTERM/SIGINT before the socket appears: whoever sees the daemon ready
        // may reload or stop it, and the default actions would end it abruptly.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let spool = configuration.worker.spoolPath
        try DaemonSupervisor.checkSpoolIsFree(spool)
        try verifySpool(spool)
        let supervisor = DaemonSupervisor(
            configuration: .init(
                ingest: configuration.worker.ingest,
                worker: .init(
                    executable: configuration.executable, arguments: [IngestWorkerConfiguration.commandName],
                    environment: [IngestWorkerConfiguration.environmentVariable: configuration.worker.encoded()]),
                forwarder: configuration.forwarder?.command,
                shutdownTimeout: configuration.worker.ingest.shutdownTimeout),
            logger: logger)
        let (configuration, logger, setLogLevel) = (self.configuration, self.logger, self.setLogLevel)
        let restarts: UInt64
        do {
            restarts = try await supervisor.run(stops: stops) { forwarder, worker in
                ConfigReloader(
                    signals: hangups, configuration: configuration, forwarder: forwarder, worker: worker, logger: logger,
                    setLogLevel: setLogLevel)
            }
        } catch let error as SupervisorError {
            throw error
        } catch let error as SocketError {
            throw error
        } catch {
            throw ServiceFailure(error)
        }
        logger.notice("stopped", metadata: ["ingest_worker_restarts": "\(restarts)"])
    }
}
