#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What the metrics endpoint refused or cut off since it started (exposed as
/// `dhcpkafka_metrics_connections_dropped_total{reason}` and `dhcpkafka_metrics_accept_errors_total`).
public final class MetricsEndpointCounters: Sendable {
    let servedCount = Atomic<UInt64>(0)
    let evictedCount = Atomic<UInt64>(0)
    let timedOutCount = Atomic<UInt64>(0)
    let refusedCount = Atomic<UInt64>(0)
    let acceptErrorCount = Atomic<UInt64>(0)

    /// Makes zeroed counters.
    public init() {}

    /// Responses sent completely (any status).
    public var served: UInt64 { servedCount.load(ordering: .relaxed) }
    /// Connections closed to make room for a new one, all slots being taken.
    public var evicted: UInt64 { evictedCount.load(ordering: .relaxed) }
    /// Connections that missed their head or response deadline.
    public var timedOut: UInt64 { timedOutCount.load(ordering: .relaxed) }
    /// Connections answered 503 at once because every slot was busy sending a response.
    public var refused: UInt64 { refusedCount.load(ordering: .relaxed) }
    /// `accept` calls that failed for lack of resources (each starts or extends a pause).
    public var acceptErrors: UInt64 { acceptErrorCount.load(ordering: .relaxed) }
}

/// The endpoint's event loop: one `poll(2)` over the listener and every connection per turn.
/// Owns every connection descriptor (closes each exactly once); the listener belongs to the endpoint.
struct MetricsLoop {
    private let listener: Int32
    private let limits: MetricsEndpoint.Limits
    private let counters: MetricsEndpointCounters
    private let render: @Sendable () -> [UInt8]
    private let report: @Sendable (String) -> Void
    private var connections: [MetricsConnection] = []
    private var acceptPausedUntil: UInt64 = 0
    private var backoff: Duration
    private var failing = false

    init(
        listener: Int32, limits: MetricsEndpoint.Limits, counters: MetricsEndpointCounters,
        render: @escaping @Sendable () -> [UInt8], report: @escaping @Sendable (String) -> Void
    ) {
        self.listener = listener
        self.limits = limits
        self.counters = counters
        self.render = render
        self.report = report
        backoff = limits.acceptBackoff
    }

    /// Waits up to 250 ms for something to do, then does it.
    mutating func turn() {
        var now = Self.now()
        let listening = now >= acceptPausedUntil
        var fds = connections.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
        if listening { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
        var wake = now + 250_000_000
        for connection in connections { wake = min(wake, connection.deadline) }
        if !listening { wake = min(wake, acceptPausedUntil) }
        let timeout = Int32(clamping: (wake > now ? wake - now : 0) / 1_000_000 + 1)
        let ready = poll(&fds, nfds_t(fds.count), timeout)
        now = Self.now()
        if ready > 0 {
            for index in connections.indices where fds[index].revents != 0 { step(index, now: now) }
        }
        expire(now: now)
        connections.removeAll { $0.fd < 0 }
        if ready > 0, listening, let last = fds.last, last.revents != 0 { acceptAll(now: now) }
    }

    /// Closes every connection (at stop).
    mutating func closeAll() {
        for connection in connections where connection.fd >= 0 { close(connection.fd) }
        connections = []
    }

    private mutating func step(_ index: Int, now: UInt64) {
        var connection = connections[index]
        let progress = connection.phase == .writing ? connection.write() : connection.read(limit: limits.maxHeadBytes)
        switch progress {
        case .more: break
        case .head(let end):
            let request = HTTPRequestHead(parsing: connection.head[..<end])
            let sent = connection.respond(request.response(render: render), deadline: now + Self.nanos(limits.writeTimeout))
            finish(&connection, sent, now: now)
        case .tooLarge:
            let sent = connection.respond(HTTPRequestHead.headTooLarge, deadline: now + Self.nanos(limits.writeTimeout))
            finish(&connection, sent, now: now)
        case .responded, .finished:
            finish(&connection, progress, now: now)
        }
        connections[index] = connection
    }

    /// Moves a connection on after a write attempt: draining once responded, closed when finished.
    private func finish(_ connection: inout MetricsConnection, _ progress: MetricsConnection.Progress, now: UInt64) {
        switch progress {
        case .responded:
            counters.servedCount.add(1, ordering: .relaxed)
            connection.phase = .draining
            connection.deadline = now + Self.nanos(limits.writeTimeout)
        case .finished:
            close(connection.fd)
            connection = MetricsConnection(fd: -1, now: now, headTimeout: 0)
        default: break
        }
    }

    /// Deals with connections past their deadline: a late head gets 408, anything else is closed.
    private mutating func expire(now: UInt64) {
        for index in connections.indices where connections[index].fd >= 0 && connections[index].deadline <= now {
            var connection = connections[index]
            if connection.phase == .reading {
                counters.timedOutCount.add(1, ordering: .relaxed)
                let sent = connection.respond(HTTPRequestHead.timedOut, deadline: now + Self.nanos(limits.writeTimeout))
                finish(&connection, sent, now: now)
            } else {
                if connection.phase == .writing { counters.timedOutCount.add(1, ordering: .relaxed) }
                finish(&connection, .finished, now: now)
            }
            connections[index] = connection
        }
    }

    /// Accepts every waiting connection (the listener is non-blocking), making room as needed.
    private mutating func acceptAll(now: UInt64) {
        while true {
            // accept4 is not in Glibc's Swift module: set the flags right after.
            let fd = accept(listener, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            guard fd >= 0 else {
                let error = errno
                switch error {
                case EAGAIN, EWOULDBLOCK: break
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                default: pauseAccepting(error, now: now)
                }
                return
            }
            if failing {
                failing = false
                backoff = limits.acceptBackoff
                report("metrics endpoint accepts connections again")
            }
            if connections.count >= limits.maxConnections && !makeRoom() {
                counters.refusedCount.add(1, ordering: .relaxed)
                _ = HTTPRequestHead.busy.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                close(fd)
                continue
            }
            connections.append(MetricsConnection(fd: fd, now: now, headTimeout: Self.nanos(limits.headTimeout)))
        }
    }

    /// Closes the connection that has waited longest for its head (or a finished one still
    /// draining); false when every slot is busy sending a response.
    private mutating func makeRoom() -> Bool {
        let candidates = connections.indices.filter { connections[$0].phase != .writing }
        guard let oldest = candidates.min(by: { connections[$0].acceptedAt < connections[$1].acceptedAt }) else { return false }
        if connections[oldest].phase == .reading { counters.evictedCount.add(1, ordering: .relaxed) }
        close(connections[oldest].fd)
        connections.remove(at: oldest)
        return true
    }

    /// Leaves the listener alone for a while after `accept` failed with `error` (out of descriptors
    /// or memory): polling it again at once would spin, since the connection stays queued.
    private mutating func pauseAccepting(_ error: Int32, now: UInt64) {
        counters.acceptErrorCount.add(1, ordering: .relaxed)
        if !failing {
            failing = true
            report(
                "metrics endpoint cannot accept connections: \(String(cString: strerror(error))); pausing accept "
                    + "(raise LimitNOFILE= or find what holds descriptors)")
        }
        acceptPausedUntil = now + Self.nanos(backoff)
        backoff = min(backoff * 2, limits.maxAcceptBackoff)
    }

    private static func nanos(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(seconds, 0)) * 1_000_000_000 + UInt64(max(attoseconds, 0) / 1_000_000_000)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
