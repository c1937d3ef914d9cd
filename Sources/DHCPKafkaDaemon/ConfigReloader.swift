import DHCPKafkaConfig
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the config file on SIGHUP and applies what can change while the daemon runs: the log
/// level at once (here and, through its control channel, in the ingest worker), `<forwarder>`
/// settings by restarting the forwarder child gracefully. Every other changed key is logged as
/// needing a restart, and a file that does not parse changes nothing.
///
/// Why restart the forwarder rather than signal it: the child never reads the file (it gets the
/// values the daemon resolved, so a crash-restart cannot pick up a half-edited file), and a
/// graceful restart loses nothing — the forwarder waits for records in flight and frames leave the
/// spool only once Kafka acknowledged them. It also applies every `<forwarder>` key, not only those
/// a live update was written for.
struct ConfigReloader: Service, CustomStringConvertible {
    let signals: UnixSignalsSequence
    /// The configuration the daemon started with.
    let configuration: DaemonConfiguration
    let forwarder: ChildSupervisor?
    let worker: IngestWorkerSupervisor
    let logger: Logger
    let setLogLevel: @Sendable (Logger.Level) -> Void

    /// The file only: the lifecycle logs services by description, and the configuration holds
    /// Kafka properties with secrets.
    var description: String { "ConfigReloader(\(configuration.reload?.resolver.path ?? "no config file"))" }

    /// Handles SIGHUP until graceful shutdown.
    func run() async throws {
        var running = configuration
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let reload = running.reload else {
                logger.warning("SIGHUP: the daemon was started without --config; there is nothing to reload")
                continue
            }
            let resolver = reload.resolver
            logger.notice("SIGHUP: reloading the configuration", metadata: ["file": "\(resolver.path)"])
            let next: EffectiveConfiguration
            do throws(ConfigError) {
                next = try resolver.effective(text: try ConfigFile.text(path: resolver.path))
            } catch {
                for issue in error.issues { logger.error("config reload failed, keeping the running configuration: \(issue.description)") }
                continue
            }
            let applied = report(reload.effective.changes(to: next), resolver: resolver, forwarderRuns: forwarder != nil)
            // The keys now in force: the applied ones from the new file, the others as they were
            // (where records go, the socket, the spool: those need a restart, and the report said so).
            let effective = reload.effective.applying(applied, from: next)
            let updated: DaemonConfiguration
            do throws(ConfigError) {
                updated = try resolver.configuration(for: effective)
            } catch {
                for issue in error.issues { logger.error("config reload failed, keeping the running configuration: \(issue.description)") }
                continue
            }
            worker.reconfigure(IngestWorkerConfiguration.environmentVariable, updated.worker.encoded())
            restartForwarder(applied: applied, from: running.forwarder, to: updated.forwarder)
            running = updated
            running.reload?.effective = effective
        }
    }

    /// Restarts the forwarder with its new command when a key it uses was applied, or when the Kafka
    /// properties from property files or credentials changed (they can while the config file stays the same).
    private func restartForwarder(applied: Set<ConfigKey>, from old: ForwarderLaunch?, to new: ForwarderLaunch?) {
        guard let forwarder, let new else { return }
        let propertiesChanged = new.properties != old?.properties
        guard !applied.isEmpty || propertiesChanged else { return }
        if propertiesChanged, !applied.contains(where: { $0.reload == .forwarderRestart }) {
            logger.notice("config reload: the Kafka properties from property files or credentials changed; restarting the forwarder")
        }
        // One restart, whichever of the two causes (or both) called for it.
        forwarder.restart(arguments: new.command.arguments, environment: new.command.environment)
    }

    /// Logs each change and applies the live ones (the log level); returns the keys applied.
    private func report(_ changes: [ConfigChange], resolver: any DaemonConfigurationResolver, forwarderRuns: Bool) -> Set<ConfigKey> {
        guard !changes.isEmpty else {
            logger.notice("config reload: no changes")
            return []
        }
        var applied: Set<ConfigKey> = []
        for change in changes {
            let old = change.describe(change.old, mask: resolver.masked)
            let new = change.describe(change.new, mask: resolver.masked)
            switch change.key.reload {
            case .live:
                // Before the line: a reload to `warning` does not log its own notices.
                let level = change.describe(change.new, mask: { $1 })
                setLogLevel(Logger.Level(rawValue: level.lowercased()) ?? .info)
                logger.notice("config reload: applied \(change.key) \(new) (was \(old))")
                applied.insert(change.key)
            case .forwarderRestart where !forwarderRuns:
                logger.notice("config reload: \(change.key) is now \(new); no forwarder runs in this daemon (--no-forward)")
                applied.insert(change.key)
            case .forwarderRestart:
                logger.notice("config reload: applied \(change.key) \(new) (was \(old)) by restarting the forwarder")
                applied.insert(change.key)
            case .daemonRestart:
                logger.warning("config reload: \(change.key) changed to \(new) in \(resolver.path); needs a restart; still using \(old)")
            }
        }
        return applied
    }
}
