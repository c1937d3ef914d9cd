import ArgumentParser
import DHCPKafkaDaemon
import DHCPKafkaRuntime
import Foundation
import Logging

/// `dhcpkafka ingest-worker` (hidden): the ingest worker that `run`'s supervising parent starts.
/// It parses nothing: its configuration is the value the parent resolved, handed over as JSON in
/// its environment, and its socket comes as systemd passes sockets (docs/architecture.md).
struct IngestWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: IngestWorkerConfiguration.commandName,
        abstract: "The ingest worker of `dhcpkafka run` (started by it; not for use on its own).",
        shouldDisplay: false)

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment[IngestWorkerConfiguration.environmentVariable],
            let restarts = environment[IngestWorkerSupervisor.workerVariable].flatMap(UInt64.init)
        else {
            printError("dhcpkafka ingest-worker: only `dhcpkafka run` starts the ingest worker (it hands over its configuration and socket); run `dhcpkafka run`")
            throw ExitCode(ExitStatus.usage)
        }
        let configuration: IngestWorkerConfiguration
        do throws(SupervisorError) {
            configuration = try IngestWorkerConfiguration.decode(text)
        } catch {
            printError("dhcpkafka ingest-worker: \(error.description)")
            throw ExitCode(error.exitStatus)
        }
        LoggingBootstrap.bootstrap(level: configuration.logLevel)
        let logger = Logger(label: "dhcpkafka")
        try await Failures.exitingWithStatus(logger: logger) {
            try await IngestWorker(
                configuration: configuration, version: DHCPKafkaVersion.string, restarts: restarts, logger: logger,
                setLogLevel: { LoggingBootstrap.setLevel($0) }
            ).run()
        }
    }
}
