#if canImport(Glibc)
import Glibc
#endif

/// systemd's notification protocol (`sd_notify`): readiness, status text, watchdog keep-alives.
///
/// Speaks the protocol directly (one datagram to `$NOTIFY_SOCKET`) instead of linking libsystemd.
/// Without `$NOTIFY_SOCKET` (not started by systemd with `Type=notify`) there is no notifier.
public struct SystemdNotifier: Sendable {
    /// The socket path (a leading `@` names an abstract socket).
    public let socketPath: String
    /// Half of `WatchdogSec=` when the watchdog is on for this process: how often to ping.
    public let watchdogInterval: Duration?

    /// The notifier systemd asked for in the environment, or `nil` when not run by systemd.
    public static func fromEnvironment() -> SystemdNotifier? {
        var environment: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return from(environment: environment, pid: getpid())
    }

    /// The notifier `environment` asks for in process `pid`: `NOTIFY_SOCKET`, and the watchdog when
    /// `WATCHDOG_USEC` is set and `WATCHDOG_PID` (if set) is `pid`.
    public static func from(environment: [String: String], pid: pid_t) -> SystemdNotifier? {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        var interval: Duration?
        if let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 {
            let watched = environment["WATCHDOG_PID"].flatMap { Int32($0) }
            if watched == nil || watched == pid { interval = .microseconds(Int64(usec / 2)) }
        }
        return SystemdNotifier(socketPath: path, watchdogInterval: interval)
    }

    /// Creates a notifier for `socketPath`.
    public init(socketPath: String, watchdogInterval: Duration?) {
        self.socketPath = socketPath
        self.watchdogInterval = watchdogInterval
    }

    /// Sends `state` (newline-separated `KEY=value` assignments such as `READY=1`); best effort.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (abstract ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == message.count
    }
}
