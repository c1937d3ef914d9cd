import DHCPKafkaConfig
import DHCPKafkaRuntime
import DHCPKafkaSpool
import Foundation
import Logging

/// Everything `dhcpkafka run` does, resolved once from the config file and the options: the one
/// value the command line builds and hands to ``Daemon``.
public struct DaemonConfiguration: Sendable {
    /// What the ingest worker gets (no secrets: it never talks to Kafka).
    public var worker: IngestWorkerConfiguration
    /// This program's file, started again as the ingest worker and the forwarder.
    public var executable: String
    /// The forwarder child, unless `--no-forward`.
    public var forwarder: ForwarderLaunch?
    /// Where SIGHUP reads the configuration again, when the daemon was started with `--config`.
    public var reload: ReloadSource?

    /// A configuration.
    public init(worker: IngestWorkerConfiguration, executable: String, forwarder: ForwarderLaunch?, reload: ReloadSource?) {
        self.worker = worker
        self.executable = executable
        self.forwarder = forwarder
        self.reload = reload
    }
}

/// The forwarder child as resolved: its command (`dhcpkafka forward …`; its Kafka properties in its
/// environment, never on a command line) and the Kafka properties it will use, to notice on reload
/// that property files or credentials changed.
public struct ForwarderLaunch: Sendable {
    /// The child to run.
    public var command: DaemonSupervisor.ChildCommand
    /// Its Kafka properties as `name=value`, from files, credentials and options (for comparison only).
    public var properties: [String]

    /// A forwarder launch.
    public init(command: DaemonSupervisor.ChildCommand, properties: [String]) {
        self.command = command
        self.properties = properties
    }
}

/// The config file a daemon started with `--config` reads again on SIGHUP, and how: the command
/// line's own resolution, so its options keep overriding the file.
public struct ReloadSource: Sendable {
    /// The resolution that made the running configuration.
    public var resolver: any DaemonConfigurationResolver
    /// The settings in force (file and command line), to compare a reloaded file with.
    public var effective: EffectiveConfiguration

    /// A reload source.
    public init(resolver: any DaemonConfigurationResolver, effective: EffectiveConfiguration) {
        self.resolver = resolver
        self.effective = effective
    }
}

/// Resolves the daemon's configuration from its config file and command line (implemented by `run`).
public protocol DaemonConfigurationResolver: Sendable {
    /// The config file.
    var path: String { get }
    /// The settings `text` (the file's content) and the command line give, every setting checked as
    /// at start; every problem is thrown at once.
    func effective(text: String) throws(ConfigError) -> EffectiveConfiguration
    /// The configuration `effective` describes.
    func configuration(for effective: EffectiveConfiguration) throws(ConfigError) -> DaemonConfiguration
    /// A value as reload logs may show it (secret Kafka properties masked).
    func masked(_ key: ConfigKey, _ value: String) -> String
}

/// The ingest worker's whole configuration, handed over as JSON in its environment
/// (``environmentVariable``) by its supervising parent, and again on its control channel after
/// each reload (``WorkerControl``). The worker never reads the config file or a command line.
///
/// The parent starts the worker from the program's file, which a package upgrade replaces while
/// the parent runs: a field added later must decode when missing (`decodeIfPresent`, a default),
/// so a new worker still runs under the parent that started before the upgrade.
public struct IngestWorkerConfiguration: Sendable, Codable, Equatable {
    /// The socket (passed as descriptor 3) and how frames are received.
    public var ingest: IngestConfiguration
    /// The spool directory.
    public var spoolPath: String
    /// The spool's capacity in stored bytes.
    public var capacityBytes: Int
    /// The optional limit on stored frames.
    public var maxFrames: Int?
    /// When commits reach the disk.
    public var durability: Durability
    /// Where to serve Prometheus metrics (`host:port`), if anywhere.
    public var metricsListen: String?
    /// The forwarder's in-flight window (a metric), 0 with `--no-forward`.
    public var inFlightWindowFrames: Int
    /// The log level name (`info`, `debug`, ...).
    public var logLevel: String
    /// The config file, for the "ready" line.
    public var configPath: String?

    /// ``SpoolDurability`` as JSON.
    public enum Durability: Sendable, Codable, Equatable {
        case sync, noMetaSync, periodic(milliseconds: Int64)
    }

    /// The variable of the worker's environment that holds it.
    public static let environmentVariable = "DHCPKAFKA_INGEST_CONFIGURATION"
    /// The hidden subcommand that runs the worker.
    public static let commandName = "ingest-worker"

    /// A worker configuration.
    public init(
        ingest: IngestConfiguration, spoolPath: String, spool: SpoolOptions, metricsListen: String?,
        inFlightWindowFrames: Int, logLevel: String, configPath: String?
    ) {
        self.ingest = ingest
        self.spoolPath = spoolPath
        self.capacityBytes = spool.capacityBytes
        self.maxFrames = spool.maxFrames
        switch spool.durability {
        case .sync: durability = .sync
        case .noMetaSync: durability = .noMetaSync
        case .periodic(let interval): durability = .periodic(milliseconds: Int64(interval / .milliseconds(1)))
        }
        self.metricsListen = metricsListen
        self.inFlightWindowFrames = inFlightWindowFrames
        self.logLevel = logLevel
        self.configPath = configPath
    }

    /// The spool options it describes.
    public var spool: SpoolOptions {
        let mode: SpoolDurability
        switch durability {
        case .sync: mode = .sync
        case .noMetaSync: mode = .noMetaSync
        case .periodic(let milliseconds): mode = .periodic(interval: .milliseconds(milliseconds))
        }
        return SpoolOptions(capacityBytes: capacityBytes, maxFrames: maxFrames, durability: mode)
    }

    /// The log level, `info` for a name that is none.
    public var level: Logger.Level { Logger.Level(rawValue: logLevel.lowercased()) ?? .info }

    /// As JSON text.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding plain values and strings cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Decodes the JSON a supervising parent handed over.
    public static func decode(_ text: some StringProtocol) throws(SupervisorError) -> IngestWorkerConfiguration {
        do {
            return try JSONDecoder().decode(IngestWorkerConfiguration.self, from: Data(text.utf8))
        } catch {
            throw SupervisorError(
                "the ingest worker's configuration from its supervising parent does not decode (\(error)); "
                    + "the parent and the worker must be the same dhcpkafka build: restart `dhcpkafka run`",
                exitStatus: ExitStatus.invalidConfiguration)
        }
    }
}
