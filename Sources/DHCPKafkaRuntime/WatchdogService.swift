import ServiceLifecycle

/// Tells systemd the daemon is ready, keeps its watchdog fed while the daemon is healthy, updates
/// the status line, and says `STOPPING=1` at shutdown.
///
/// The watchdog is fed only while `healthy()` holds (the ingest threads keep making progress), so a
/// hung daemon is restarted by systemd instead of silently not receiving.
public struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let healthy: @Sendable () -> Bool
    private let status: @Sendable () -> String

    /// - Parameters:
    ///   - healthy: whether the daemon is making progress (checked at each watchdog interval).
    ///   - status: a one-line status for `systemctl status`.
    public init(notifier: SystemdNotifier, healthy: @escaping @Sendable () -> Bool, status: @escaping @Sendable () -> String) {
        self.notifier = notifier
        self.healthy = healthy
        self.status = status
    }

    /// Sends READY=1, then pings and updates the status until graceful shutdown.
    public func run() async throws {
        notifier.notify("READY=1\nSTATUS=\(status())")
        let interval = notifier.watchdogInterval ?? .seconds(5)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: min(interval, .seconds(5)))
                var message = "STATUS=\(status())"
                if notifier.watchdogInterval != nil, healthy() { message += "\nWATCHDOG=1" }
                notifier.notify(message)
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1")
        }
    }
}
