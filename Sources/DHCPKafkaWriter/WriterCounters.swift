import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a ``DHCPKafkaWriter`` did with the transactions it was given; read it from any thread.
public struct WriterCounters: Sendable, Equatable {
    /// Frames the kernel queued for the daemon.
    public var sent: UInt64
    /// Dropped: the daemon's queue was full (daemon stalled or overloaded).
    public var droppedQueueFull: UInt64
    /// Dropped: no daemon was receiving on the socket (stopped or restarting).
    public var droppedDaemonDown: UInt64
    /// Dropped: this process may not reach the socket (its mode or owner, or a directory on its path
    /// without search permission). Waiting does not help: fix the permissions or the server's user.
    public var droppedPermissionDenied: UInt64
    /// Dropped: a message or the server name was too long for the frame format, or the frame for the socket.
    public var droppedTooLarge: UInt64
    /// Dropped for any other socket error.
    public var droppedOther: UInt64

    /// Creates a set of counters (hosts that aggregate several writers add them up).
    public init(
        sent: UInt64, droppedQueueFull: UInt64, droppedDaemonDown: UInt64, droppedTooLarge: UInt64, droppedOther: UInt64,
        droppedPermissionDenied: UInt64 = 0
    ) {
        self.sent = sent
        self.droppedQueueFull = droppedQueueFull
        self.droppedDaemonDown = droppedDaemonDown
        self.droppedPermissionDenied = droppedPermissionDenied
        self.droppedTooLarge = droppedTooLarge
        self.droppedOther = droppedOther
    }

    /// All drops together.
    public var dropped: UInt64 {
        droppedQueueFull + droppedDaemonDown + droppedPermissionDenied + droppedTooLarge + droppedOther
    }
    /// Every transaction handed to the writer.
    public var transactions: UInt64 { sent + dropped }
}

/// Counts frames that never reached the socket because they could not be encoded.
final class EncodingCounter: Sendable {
    let tooLarge = Atomic<UInt64>(0)
}

/// Reports the first drop of each kind once, with what to do about it (never one line per frame).
final class FirstFailureReport: Sendable {
    private let reported = Atomic<UInt8>(0)
    private let path: String
    private let report: (@Sendable (String) -> Void)?

    init(path: String, report: (@Sendable (String) -> Void)?) {
        self.path = path
        self.report = report
    }

    /// Calls the report handler when `outcome` is the first drop of its kind.
    func note(_ outcome: WriteOutcome) {
        guard let report, outcome != .sent else { return }
        let bit: UInt8
        switch outcome {
        case .sent: return
        case .droppedQueueFull: bit = 1
        case .droppedDaemonDown: bit = 2
        case .droppedPermissionDenied: bit = 4
        case .droppedTooLarge: bit = 8
        case .droppedError: bit = 16
        }
        guard reported.load(ordering: .relaxed) & bit == 0 else { return }
        guard reported.bitwiseOr(bit, ordering: .relaxed).oldValue & bit == 0 else { return }
        report(Self.message(outcome, path: path))
    }

    /// The line for the first drop of a kind: what happened, and what to do.
    static func message(_ outcome: WriteOutcome, path: String) -> String {
        let what: String
        switch outcome {
        case .sent: return ""
        case .droppedQueueFull:
            what = "the daemon's queue is full (it is stalled or overloaded); check `dhcpkafka spool stats` and its log"
        case .droppedDaemonDown:
            what = "no daemon is receiving (stopped or restarting); start dhcpkafka or check `socket path` in both configurations"
        case .droppedPermissionDenied:
            what = "permission denied: this process (uid \(getuid()), gid \(getgid())) may not write to the socket or "
                + "search a directory on its path; give the server's user the socket's group (see --socket-group) "
                + "or fix the directory's permissions. Waiting will not help"
        case .droppedTooLarge:
            what = "a frame is too large for the frame format or the socket (messages over 65535 bytes, names over 255)"
        case .droppedError(let code):
            what = "send failed: \(String(cString: strerror(code)))"
        }
        return "dhcpkafka writer: dropping frames for \(path): \(what) (logged once per kind; see the writer's counters)"
    }
}
