import DHCPKafkaConfig
import DHCPKafkaDaemon
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the config file on SIGHUP and applies what can change while the daemon runs: the log
/// level at once, `<forwarder>` settings by restarting the forwarder child gracefully. Every other
/// changed key is logged as needing a restart, and a file that does not parse changes nothing.
///
/// Why restart the forwarder rather than signal it: the child never reads the file (it gets the
/// values the daemon resolved, so a crash-restart cannot pick up a half-edited file), and a
/// graceful restart loses nothing — the forwarder waits for records in flight and frames leave the
/// spool only once Kafka acknowledged them. It also applies every `<forwarder>` key, not only those
/// a live update was written for.
struct ConfigReloader: Service, CustomStringConvertible {
    /// What a daemon started with `--config` needs to read the file again.
    struct Setup: Sendable {
        /// The config file.
        let path: String
        /// The real command line after `run` (its options keep overriding the file).
        let arguments: [String]
        /// The configuration the daemon started with.
        let effective: EffectiveConfiguration
        /// The file's text it was resolved from (handed to the ingest worker).
        let text: String
    }

    /// The settings a reload can change, as they are now.
    struct Running: Sendable {
        var logLevel: String
        var forward: ForwardOptions
    }

    let signals: UnixSignalsSequence
    let setup: Setup?
    /// The command the daemon runs; its ``RunCommand/forwarderArguments(_:logLevel:)`` builds the
    /// restarted forwarder's command line, so a reload starts it exactly as the daemon did.
    let daemon: RunCommand
    let forwarder: ChildSupervisor?
    let logger: Logger
    /// In the ingest worker: apply the live keys only; the supervising parent logs and applies the rest.
    let ingestWorker: Bool
    /// Called on each SIGHUP (the parent passes it on to its ingest worker).
    let onSignal: @Sendable () -> Void
    /// Called with the file's text after each reload that parsed (the parent hands it to later workers).
    let onReloaded: @Sendable (String) -> Void

    init(
        signals: UnixSignalsSequence, setup: Setup?, running: RunCommand, forwarder: ChildSupervisor?, logger: Logger,
        ingestWorker: Bool = false, onSignal: @escaping @Sendable () -> Void = {},
        onReloaded: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.onReloaded = onReloaded
        self.signals = signals
        self.setup = setup
        self.daemon = running
        self.forwarder = forwarder
        self.logger = logger
        self.ingestWorker = ingestWorker
        self.onSignal = onSignal
    }

    /// The file only: the lifecycle logs services by description, and the running settings hold
    /// Kafka properties with secrets.
    var description: String { "ConfigReloader(\(setup?.path ?? "no config file"))" }

    /// Handles SIGHUP until graceful shutdown.
    func run() async throws {
        var running = Running(logLevel: daemon.logLevel, forward: daemon.forward)
        var effective = setup?.effective
        var properties = Self.resolvedProperties(daemon.forward)
        for await _ in signals.cancelOnGracefulShutdown() {
            onSignal()
            guard let setup, let current = effective else {
                if !ingestWorker { logger.warning("SIGHUP: the daemon was started without --config; there is nothing to reload") }
                continue
            }
            // The supervising parent reports the reload; its ingest worker applies the live keys quietly.
            if !ingestWorker { logger.notice("SIGHUP: reloading the configuration", metadata: ["file": "\(setup.path)"]) }
            let command: RunCommand
            let next: EffectiveConfiguration
            do throws(ConfigError) {
                let text = try ConfigFile.text(path: setup.path)
                (command, next) = try ConfigResolution.resolve(
                    RunCommand.self, file: setup.path, text: text, command: .run, arguments: setup.arguments)
                onReloaded(text)
            } catch {
                for issue in error.issues where !ingestWorker {
                    logger.error("config reload failed, keeping the running configuration: \(issue.description)")
                }
                continue
            }
            let applied = apply(current.changes(to: next), of: command, to: &running, file: setup.path)
            effective = current.applying(applied, from: next)
            // Property files and credentials can change while the config file stays the same.
            let now = Self.resolvedProperties(running.forward)
            if now != properties, let forwarder, !applied.contains(where: { $0.reload == .forwarderRestart }) {
                logger.notice("config reload: the Kafka properties from property files or credentials changed; restarting the forwarder")
                forwarder.restart(
                    arguments: daemon.forwarderArguments(running.forward, logLevel: running.logLevel),
                    environment: running.forward.childEnvironment)
            }
            properties = now
        }
    }

    /// The Kafka properties the forwarder would get (`name=value`), to notice changed files.
    private static func resolvedProperties(_ forward: ForwardOptions) -> [String] {
        ((try? forward.propertySettings()) ?? []).map(\.assignment)
    }

    /// Logs and applies each change; returns the keys now in force.
    private func apply(
        _ changes: [ConfigChange], of command: RunCommand, to running: inout Running, file: String
    ) -> Set<ConfigKey> {
        guard !changes.isEmpty else {
            if !ingestWorker { logger.notice("config reload: no changes") }
            return []
        }
        var applied: Set<ConfigKey> = []
        for change in changes where !ingestWorker || change.key.reload == .live {
            let old = change.describe(change.old, mask: ConfigResolution.masked)
            let new = change.describe(change.new, mask: ConfigResolution.masked)
            switch change.key.reload {
            case .live:
                running.logLevel = command.logLevel
                LoggingBootstrap.setLevel(LoggingBootstrap.level(named: command.logLevel) ?? .info)
                logger.notice("config reload: applied \(change.key) \(new) (was \(old))")
                applied.insert(change.key)
            case .forwarderRestart where forwarder == nil:
                logger.notice("config reload: \(change.key) is now \(new); no forwarder runs in this daemon (--no-forward)")
                applied.insert(change.key)
            case .forwarderRestart:
                logger.notice("config reload: applied \(change.key) \(new) (was \(old)) by restarting the forwarder")
                applied.insert(change.key)
            case .daemonRestart:
                logger.warning("config reload: \(change.key) changed to \(new) in \(file); needs a restart; still using \(old)")
            }
        }
        // The forwarder settings come from the new file; where records go stays as it was (those
        // keys need a restart, and the changes above said so).
        var forward = command.forward
        forward.brokers = running.forward.brokers
        forward.topic = running.forward.topic
        forward.serverName = running.forward.serverName
        forward.sourceAddress = running.forward.sourceAddress
        running.forward = forward
        if let forwarder, !applied.isEmpty {
            forwarder.restart(
                arguments: daemon.forwarderArguments(running.forward, logLevel: running.logLevel),
                environment: running.forward.childEnvironment)
        }
        return applied
    }
}
