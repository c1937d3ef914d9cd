import ArgumentParser
import DHCPKafkaDaemon
import DHCPKafkaSocket
import Foundation
import Logging
import UnixSignals

extension RunCommand {
    /// The supervising parent: resolves what ``DaemonSupervisor`` needs from these options and hands
    /// it over (the worker is this executable again with the same command line; it knows it is the
    /// worker from its environment, and gets the socket as systemd passes sockets).
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
        try DaemonSupervisor.checkSpoolIsFree(spoolOptions.spool)
        try SpoolPreflight.verify(spoolOptions.spool)
        let executable = SelfExecutable.url.path
        let configuration = DaemonSupervisor.Configuration(
            ingest: ingest,
            worker: .init(executable: executable, arguments: Self.workerArguments(CommandLine.arguments.dropFirst()),
                environment: reload.flatMap { Self.handOver($0.text) }.map { [DaemonSupervisor.configTextVariable: $0] } ?? [:]),
            forwarder: noForward ? nil : .init(
                executable: executable, arguments: forwarderArguments(forward, logLevel: logLevel),
                environment: forward.childEnvironment),
            shutdownTimeout: .milliseconds(Int64(forward.shutdownTimeout * 1000)))
        let restarts: UInt64
        do {
            restarts = try await DaemonSupervisor(configuration: configuration, logger: logger).run(stops: stops) { forwarder, worker in
                ConfigReloader(
                    signals: hangups, setup: reload, running: self, forwarder: forwarder, logger: logger,
                    onSignal: { worker.signalWorker(SIGHUP) },
                    onReloaded: { worker.setEnvironment(DaemonSupervisor.configTextVariable, Self.handOver($0) ?? "") })
            }
        } catch let error as SupervisorError {
            throw error
        } catch let error as SocketError {
            throw error
        } catch {
            logger.critical("stopping because a service failed: \(error)")
            throw ExitCode(ExitStatus.runtimeFailure)
        }
        logger.notice("stopped", metadata: ["ingest_worker_restarts": "\(restarts)"])
    }

    /// The worker's command line: the parent's, less every `--kafka-property`. The worker only
    /// ingests and never talks to Kafka, and a property may hold a secret that must not appear on
    /// one more command line (`ps` shows them to every user; the forwarder gets its properties
    /// through its environment).
    static func workerArguments(_ arguments: ArraySlice<String>) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if argument == "--kafka-property" { skipNext = true; continue }
            if argument.hasPrefix("--kafka-property=") { continue }
            kept.append(argument)
        }
        return kept
    }

    /// The config text to hand the worker in its environment; `nil` (the worker reads the file) when
    /// it is too long for one environment string (128 KiB on Linux).
    static func handOver(_ text: String) -> String? { text.utf8.count < 100_000 ? text : nil }

    /// In the worker: tells the supervising parent it started (a byte on the pipe it passed).
    static func tellParentReady() {
        guard let text = ProcessInfo.processInfo.environment["DHCPKAFKA_READY_FD"], let fd = Int32(text), fd > 2 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
        close(fd)
        unsetenv("DHCPKAFKA_READY_FD")
    }
}
