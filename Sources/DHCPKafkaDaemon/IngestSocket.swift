import CSystemShims
import DHCPKafkaSocket
import Foundation
import Logging
import ServiceLifecycle

/// Where the daemon's ingest socket comes from, and who keeps it alive across restarts.
public enum IngestSocket {
    /// How the socket was obtained.
    public enum Origin: String, Sendable {
        /// Bound by this process; kept across a restart of the service in systemd's descriptor store.
        case bound
        /// Passed by systemd (a socket unit, or the descriptor store after a restart).
        case passed
    }

    /// The socket for `configuration`: the one passed as systemd passes sockets (`LISTEN_FDS`,
    /// checked to be a Unix datagram socket bound to the configured path), or else a new one bound
    /// at the path. A new socket is offered to systemd's descriptor store (`FDSTORE=1`, when
    /// `$NOTIFY_SOCKET` is set), so a restart of the service gets it back with its queue.
    /// The `LISTEN_*` variables are removed, so no child takes them by accident.
    public static func acquire(_ configuration: IngestConfiguration, logger: Logger) throws(SocketError) -> (UnixDatagramServer, Origin) {
        defer { SocketActivation.clearEnvironment() }
        if let server = try adoptPassed(configuration) {
            logger.notice("using the ingest socket passed by the service manager; it keeps the socket and its queue across restarts",
                          metadata: ["socket": "\(configuration.socketPath)"])
            return (server, .passed)
        }
        let server = try UnixDatagramServer(
            path: configuration.socketPath, mode: configuration.socketMode, group: configuration.socketGroup,
            receiveBufferBytes: configuration.receiveBufferBytes, passCredentials: configuration.senders.isRestricted)
        if let notify = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !notify.isEmpty {
            var descriptor = server.fileDescriptor
            if dk_notify_with_fds(notify, "FDSTORE=1\nFDNAME=\(SocketActivation.ingestName)", &descriptor, 1) != 0 {
                logger.warning("cannot hand the ingest socket to systemd's descriptor store; a restart of the service loses its queue",
                               metadata: ["error": "\(String(cString: strerror(errno)))"])
            }
        }
        return (server, .bound)
    }

    /// The passed ingest socket, adopted (never unlinked or shut down by this process), or `nil`
    /// when none was passed. Descriptors passed besides it are closed.
    public static func adoptPassed(_ configuration: IngestConfiguration) throws(SocketError) -> UnixDatagramServer? {
        let passed = try SocketActivation.passed(environment: ProcessInfo.processInfo.environment, pid: getpid())
        guard let descriptor = try SocketActivation.ingestDescriptor(among: passed) else { return nil }
        for other in passed where other.descriptor != descriptor { close(other.descriptor) }
        return try UnixDatagramServer(
            adopting: descriptor, path: configuration.socketPath, receiveBufferBytes: configuration.receiveBufferBytes,
            passCredentials: configuration.senders.isRestricted)
    }
}

/// Stops the daemon (the service throws: exit 1, so the service manager starts it again with a
/// new socket) when the socket file it bound is deleted or replaced: no new writer could reach it.
/// Checks once a second. Only for a socket this process bound; a passed socket's path belongs to
/// whoever passed it.
public struct SocketPathWatch: Service {
    let server: SendableServer
    let logger: Logger

    /// Watches `server`'s path.
    public init(server: UnixDatagramServer, logger: Logger) {
        self.server = SendableServer(server)
        self.logger = logger
    }

    /// Checks until graceful shutdown or cancellation; throws when the path changed.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            let state = server.server.pathState
            guard state != .bound else { continue }
            let what = state == .missing ? "was deleted" : "was replaced by another file"
            let error = SocketError(
                .bind, path: server.server.path, errno: nil,
                message: "the socket file \(server.server.path) \(what) while the daemon ran; new writers cannot reach it. "
                    + "Stopping (exit 1) so the service manager restarts the daemon with a new socket; "
                    + "find what removes files in its directory")
            logger.critical("\(error.message)")
            throw error
        }
    }
}

/// The daemon's socket shared between its services; its path state is read under no lock (one `lstat`).
public final class SendableServer: @unchecked Sendable {
    /// The server.
    public let server: UnixDatagramServer
    /// Wraps `server`.
    public init(_ server: UnixDatagramServer) { self.server = server }
}
