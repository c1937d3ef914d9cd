import ArgumentParser
import DHCPKafkaDaemon
import DHCPKafkaSocket
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

extension RunCommand {
    /// The supervising parent: holds the ingest socket (bound here, or passed by systemd) and keeps
    /// an ingest worker and the forwarder running. A worker that dies is replaced at once on the
    /// same socket, so its queue survives and writers never see "connection refused"
    /// (docs/architecture.md, "The socket outlives the process that reads it").
    func runSupervisor(logger: Logger, reload: ConfigReloader.Setup?) async throws {
        // Trap SIGHUP and SIGTERM/SIGINT before the socket appears (see the worker for why).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let ingest = try ingestConfiguration()
        ConfigResolution.warnAboutSecrets(
            onCommandLine: ConfigResolution.commandLine(after: Self.configuration.commandName ?? "run"), logger: logger)
        if let effective = reload?.effective {
            for warning in CheckConfigCommand.secretWarnings(effective, forward: forward) { logger.warning("\(warning)") }
        }
        try SpoolPreflight.verify(spoolOptions.spool)
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
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var environment = ProcessInfo.processInfo.environment
        // The worker feeds systemd's watchdog (NotifyAccess=all): WATCHDOG_PID names this process.
        environment["WATCHDOG_PID"] = nil
        let worker = IngestWorkerSupervisor(
            executable: executable, arguments: Array(CommandLine.arguments.dropFirst()), environment: environment,
            socket: server.fileDescriptor,
            stopTimeout: .milliseconds(Int64(forward.shutdownTimeout * 1000)) + .seconds(15),
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
        var supervisor: ChildSupervisor?
        if !noForward {
            let child = ChildSupervisor(
                executable: URL(fileURLWithPath: executable), arguments: forwarderArguments(forward, logLevel: logLevel),
                environment: forward.childEnvironment, name: "forwarder",
                stopTimeout: .milliseconds(Int64(forward.shutdownTimeout * 1000) + 5000), logger: logger)
            services.append(.init(service: child))
            supervisor = child
        }
        services.append(.init(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup))
        if server.checksPath {
            services.append(.init(service: SocketPathWatch(server: server, logger: logger), failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: ConfigReloader(
            signals: hangups, setup: reload, running: self, forwarder: supervisor, logger: logger,
            onSignal: { worker.signalWorker(SIGHUP) })))
        logger.info("holding the ingest socket for the ingest worker", metadata: ["socket": "\(ingest.socketPath)", "origin": "\(origin.rawValue)"])
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(forward.shutdownTimeout * 1000)) + .seconds(30)
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
        } catch let error as SupervisorError {
            throw error
        } catch {
            logger.critical("stopping because a service failed: \(error)")
            throw ExitCode(ExitStatus.runtimeFailure)
        }
        logger.notice("stopped", metadata: ["ingest_worker_restarts": "\(worker.restarts)"])
    }

    /// In the worker: tells the supervising parent it started (a byte on the pipe it passed).
    static func tellParentReady() {
        guard let text = ProcessInfo.processInfo.environment["DHCPKAFKA_READY_FD"], let fd = Int32(text), fd > 2 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
        close(fd)
        unsetenv("DHCPKAFKA_READY_FD")
    }
}
