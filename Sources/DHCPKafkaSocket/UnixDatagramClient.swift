import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// What happened to one datagram handed to ``UnixDatagramClient/send(_:)``.
public enum SendOutcome: Sendable, Equatable {
    /// The kernel queued it for the daemon.
    case sent
    /// The daemon's queue is full (it is stalled or overloaded); dropped and counted.
    case droppedQueueFull
    /// Nobody is receiving on the path (daemon stopped or restarting); dropped and counted.
    case droppedDaemonDown
    /// This process may not reach the socket (`EACCES`/`EPERM`: the socket's mode or owner, or a
    /// directory on its path without search permission); dropped and counted. Not "daemon down":
    /// the daemon may well be running, and waiting will not help.
    case droppedPermissionDenied
    /// Larger than the socket can carry; dropped and counted.
    case droppedTooLarge
    /// Any other failure; dropped and counted.
    case droppedError(Errno)
}

/// Counters of a ``UnixDatagramClient``, safe to read from any thread.
public final class SendCounters: Sendable {
    let sentCount = Atomic<UInt64>(0)
    let queueFullCount = Atomic<UInt64>(0)
    let daemonDownCount = Atomic<UInt64>(0)
    let permissionDeniedCount = Atomic<UInt64>(0)
    let tooLargeCount = Atomic<UInt64>(0)
    let otherCount = Atomic<UInt64>(0)

    /// Datagrams queued for the daemon.
    public var sent: UInt64 { sentCount.load(ordering: .relaxed) }
    /// Dropped because the daemon's queue was full.
    public var droppedQueueFull: UInt64 { queueFullCount.load(ordering: .relaxed) }
    /// Dropped because no daemon was receiving.
    public var droppedDaemonDown: UInt64 { daemonDownCount.load(ordering: .relaxed) }
    /// Dropped because this process lacks permission on the socket or its directory.
    public var droppedPermissionDenied: UInt64 { permissionDeniedCount.load(ordering: .relaxed) }
    /// Dropped because they were too large.
    public var droppedTooLarge: UInt64 { tooLargeCount.load(ordering: .relaxed) }
    /// Dropped for other reasons.
    public var droppedOther: UInt64 { otherCount.load(ordering: .relaxed) }
    /// All drops together.
    public var dropped: UInt64 {
        droppedQueueFull + droppedDaemonDown + droppedPermissionDenied + droppedTooLarge + droppedOther
    }
}

/// The writer's end of the ingest socket: never blocks, never retries a datagram, reconnects by itself.
///
/// Every call returns at once: when the daemon is down, stalled or its queue is full, the datagram is
/// dropped and counted in ``counters``. After the daemon restarts, the next send (at most one connect
/// attempt per ``reconnectInterval``) reconnects. Safe to share between threads.
public final class UnixDatagramClient: Sendable {
    /// The daemon's socket path.
    public let path: String
    /// The least time between two connect attempts while the daemon is unreachable.
    public let reconnectInterval: Duration
    /// `SO_SNDBUF` asked for: how many bytes of this writer's frames may wait in the daemon's queue.
    public let sendBufferBytes: Int
    /// What happened to the datagrams so far.
    public let counters = SendCounters()

    /// The connected socket's one owner: closes it when the daemon goes away or the client is freed.
    private struct Connection: ~Copyable {
        var descriptor: FileDescriptor?
        var lastAttempt: ContinuousClock.Instant?
        /// Why the last connect failed: drops until the next attempt are counted as that.
        var lastFailure: SendOutcome = .droppedDaemonDown

        /// Closes the socket; the next send connects again.
        mutating func disconnect() {
            try? descriptor?.close()
            descriptor = nil
        }

        deinit { try? descriptor?.close() }
    }

    private let connection = Mutex(Connection())

    /// Prepares a client for `path`. Connecting happens on the first send, so the daemon may start later.
    public init(path: String, reconnectInterval: Duration = .milliseconds(100), sendBufferBytes: Int = 1 << 20) {
        self.path = path
        self.reconnectInterval = reconnectInterval
        self.sendBufferBytes = sendBufferBytes
    }

    /// Sends one datagram without blocking.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendOutcome {
        let outcome = connection.withLock { state -> SendOutcome in
            if state.descriptor == nil, !connect(&state) { return state.lastFailure }
            guard let descriptor = state.descriptor else { return state.lastFailure }
            let result = retryOnInterrupt {
                Glibc.send(descriptor.rawValue, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
            }
            switch result {
            case .success: return .sent
            case .failure(let error):
                switch error {
                case .resourceTemporarilyUnavailable: return .droppedQueueFull
                case .messageTooLong: return .droppedTooLarge
                case .connectionRefused, .socketNotConnected, .noSuchFileOrDirectory, .connectionReset,
                    .addressRequired, .brokenPipe:
                    state.disconnect()
                    return .droppedDaemonDown
                case .permissionDenied, .notPermitted:
                    state.disconnect()
                    state.lastFailure = .droppedPermissionDenied
                    return .droppedPermissionDenied
                default: return .droppedError(error)
                }
            }
        }
        count(outcome)
        return outcome
    }

    /// Sends one datagram without blocking.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> SendOutcome {
        bytes.withUnsafeBytes { send($0) }
    }

    private func count(_ outcome: SendOutcome) {
        switch outcome {
        case .sent: counters.sentCount.add(1, ordering: .relaxed)
        case .droppedQueueFull: counters.queueFullCount.add(1, ordering: .relaxed)
        case .droppedDaemonDown: counters.daemonDownCount.add(1, ordering: .relaxed)
        case .droppedPermissionDenied: counters.permissionDeniedCount.add(1, ordering: .relaxed)
        case .droppedTooLarge: counters.tooLargeCount.add(1, ordering: .relaxed)
        case .droppedError: counters.otherCount.add(1, ordering: .relaxed)
        }
    }

    private func connect(_ state: inout Connection) -> Bool {
        let now = ContinuousClock.now
        if let last = state.lastAttempt, now - last < reconnectInterval { return false }
        state.lastAttempt = now
        let raw = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard raw >= 0 else { return false }
        let fd = FileDescriptor(rawValue: raw)
        // Best effort: the kernel caps it at net.core.wmem_max; a smaller buffer only means earlier drops.
        var size = Int32(clamping: sendBufferBytes)
        _ = setsockopt(raw, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard SocketPath.withAddress(path, { Glibc.connect(raw, $0, $1) }) == 0 else {
            let code = Errno.last
            state.lastFailure = code == .permissionDenied || code == .notPermitted ? .droppedPermissionDenied : .droppedDaemonDown
            try? fd.close()
            return false
        }
        state.descriptor = fd
        return true
    }
}
