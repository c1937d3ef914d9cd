import DHCPKafkaRuntime
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TextCodecs

/// Why the metrics endpoint cannot listen.
public struct MetricsEndpointError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String
}

/// A minimal HTTP/1.1 server for Prometheus scrapes: `GET /metrics` answers the text exposition
/// format rendered by `render`; anything else gets 400, 404, 405 or 431 (see ``HTTPRequestHead``).
///
/// One thread runs a `poll(2)` loop over the listening socket and up to ``Limits/maxConnections``
/// connections, so a slow or idle client never holds up another scrape: each connection has a
/// deadline for its request head and one for its response, and when every slot is taken the
/// connection that has waited longest without sending a complete head is closed to make room.
/// When `accept` fails for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) the listener is
/// left alone for a growing pause instead of being polled again at once, which would spin.
/// A full HTTP stack (SwiftNIO) would cost more build time and code than the few scrapes a
/// minute it serves; one request per connection (`Connection: close`) keeps it simple.
public final class MetricsEndpoint: BlockingWorker, @unchecked Sendable {
    /// Bounds on what clients can make the endpoint hold.
    public struct Limits: Sendable {
        /// Connections served at once; beyond it the oldest one still sending its head is closed.
        public var maxConnections = 64
        /// The largest request head accepted (431 beyond).
        public var maxHeadBytes = 8192
        /// Time from accept to a complete request head (408 after it).
        public var headTimeout = Duration.seconds(5)
        /// Time to send the response, then again to drain the client's input before closing.
        public var writeTimeout = Duration.seconds(5)
        /// First pause after `accept` failed for lack of resources; doubles up to ``maxAcceptBackoff``.
        public var acceptBackoff = Duration.milliseconds(100)
        /// The longest pause between `accept` attempts while resources are short.
        public var maxAcceptBackoff = Duration.seconds(2)

        /// The defaults: 64 connections, 8 KiB heads, 5 s deadlines, accept backoff 100 ms to 2 s.
        public init() {}
    }

    /// The address as configured (`host:port`, IPv6 as `[addr]:port`).
    public let address: String
    /// The port actually bound (useful with port 0).
    public let port: UInt16
    /// What the endpoint refused or cut off, for the metrics and the tests.
    public let counters: MetricsEndpointCounters
    private let descriptor: Int32
    private let threads = ThreadGroup()
    private let limits: Limits
    private let render: @Sendable () -> [UInt8]
    private let report: @Sendable (String) -> Void

    /// Binds a listening TCP socket at `listen`; scrapes call `render` for the body.
    /// - Parameters:
    ///   - limits: connection, size and time bounds.
    ///   - counters: where it counts what it refused (shared with the metrics it renders).
    ///   - report: called with a one-line message when `accept` starts failing and when it recovers.
    public init(
        listen: String, limits: Limits = Limits(), counters: MetricsEndpointCounters = MetricsEndpointCounters(),
        report: @escaping @Sendable (String) -> Void = { _ in },
        render: @escaping @Sendable () -> [UInt8]
    ) throws(MetricsEndpointError) {
        address = listen
        self.limits = limits
        self.counters = counters
        self.render = render
        self.report = report
        let (host, service) = try Self.split(listen)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, service, &hints, &list)
        guard resolved == 0, let first = list else {
            throw MetricsEndpointError(description: "metrics listen address \(listen): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(first.pointee.ai_family, type, 0)
        guard fd >= 0 else { throw MetricsEndpointError(description: "cannot create the metrics socket: \(Self.errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, Glibc.listen(fd, 128) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw MetricsEndpointError(description: "cannot listen for metrics on \(listen): \(reason); choose a free local address")
        }
        descriptor = fd
        port = Self.boundPort(fd)
    }

    deinit { close(descriptor) }

    /// Starts serving on its own thread.
    public func start() {
        threads.spawn("dhcpkafka-metrics") { [self] in
            var loop = MetricsLoop(listener: descriptor, limits: limits, counters: counters, render: render, report: report)
            while !threads.isStopping { loop.turn() }
            loop.closeAll()
        }
    }

    /// Stops serving (within a quarter second); open connections are closed.
    public func requestStop() { threads.requestStop() }

    /// Waits until the serving thread ended.
    public func waitUntilFinished() async throws { try await threads.waitUntilFinished() }

    /// Splits `host:port` / `[v6]:port`; an empty host listens on all addresses.
    static func split(_ listen: String) throws(MetricsEndpointError) -> (host: String?, port: String) {
        let bad = MetricsEndpointError(description: "metrics listen address '\(listen)' must be host:port, like 127.0.0.1:9464 or [::1]:9464")
        guard let address = HostPort(listen) else { throw bad }
        return (address.host.isEmpty ? nil : address.host, String(address.port))
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
