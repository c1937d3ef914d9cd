import DHCPKafkaRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the ingest side has seen since the daemon started, safe to read from any thread.
///
/// The same numbers are persisted in the spool with each commit (`received`, `rejected.<reason>`),
/// so `dhcpkafka spool stats` shows totals across restarts.
public final class IngestCounters: Sendable {
    let receivedCount = Atomic<UInt64>(0)
    let acceptedCount = Atomic<UInt64>(0)
    let evictedCount = Atomic<UInt64>(0)
    let commitCount = Atomic<UInt64>(0)
    let commitFailureCount = Atomic<UInt64>(0)
    let backpressureCount = Atomic<UInt64>(0)
    let pendingCount = Atomic<UInt64>(0)
    let lostAtShutdownCount = Atomic<UInt64>(0)
    let closedDescriptorCount = Atomic<UInt64>(0)
    let receiverBeat = Atomic<UInt64>(monotonicNanoseconds())
    let committerBeat = Atomic<UInt64>(monotonicNanoseconds())
    private let rejectedByReason = Mutex<[String: UInt64]>([:])
    /// How long recent spool commits took (write transaction plus sync).
    public let commitLatency = LatencySamples()

    /// Makes zeroed counters.
    public init() {}

    /// Datagrams read from the socket.
    public var received: UInt64 { receivedCount.load(ordering: .relaxed) }
    /// Frames whose commit returned.
    public var accepted: UInt64 { acceptedCount.load(ordering: .relaxed) }
    /// Frames evicted from the ring to make room.
    public var evicted: UInt64 { evictedCount.load(ordering: .relaxed) }
    /// Commits that returned.
    public var commits: UInt64 { commitCount.load(ordering: .relaxed) }
    /// Commits that failed and were retried (disk full, I/O error).
    public var commitFailures: UInt64 { commitFailureCount.load(ordering: .relaxed) }
    /// Times the receiver waited because the pending batch was full.
    public var backpressureWaits: UInt64 { backpressureCount.load(ordering: .relaxed) }

    /// Valid frames held in memory, received but not yet committed (they wait for the next commit,
    /// or for the disk to take commits again).
    public var pendingFrames: UInt64 { pendingCount.load(ordering: .relaxed) }
    /// Frames received but never committed because the spool refused commits until the shutdown
    /// timeout ran out; non-zero only after such a stop.
    public var lostAtShutdown: UInt64 { lostAtShutdownCount.load(ordering: .relaxed) }
    /// File descriptors senders passed with datagrams (`SCM_RIGHTS`); each was closed at once.
    public var closedDescriptors: UInt64 { closedDescriptorCount.load(ordering: .relaxed) }

    /// Counts one rejected datagram.
    func reject(_ reason: String) {
        rejectedByReason.withLock { $0[reason, default: 0] += 1 }
    }

    /// Rejections by reason (`truncated`, `invalid-dhcpv6`, `oversize`, `sender-not-allowed`, …).
    public var rejected: [String: UInt64] { rejectedByReason.withLock { $0 } }

    /// All rejections together.
    public var rejectedTotal: UInt64 { rejected.values.reduce(0, +) }

    /// Whether both ingest threads went round their loops within `interval` (they do at least once
    /// a second when idle); false when one is stuck, e.g. in a hung disk write.
    public func isMakingProgress(within interval: Duration) -> Bool {
        let now = monotonicNanoseconds()
        let limit = UInt64(interval.components.seconds) * 1_000_000_000 + UInt64(interval.components.attoseconds / 1_000_000_000)
        return now &- receiverBeat.load(ordering: .relaxed) < limit && now &- committerBeat.load(ordering: .relaxed) < limit
    }

    /// Records that a loop went round.
    static func beat(_ heart: borrowing Atomic<UInt64>) { heart.store(monotonicNanoseconds(), ordering: .relaxed) }
}

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
