import DHCPKafkaRuntime
import DHCPKafkaSocket
import DHCPKafkaSpool
import DHCPKafkaWire
import Foundation
import Logging
import Synchronization

/// Socket to spool: a receiver thread that validates frames, and a committer thread that
/// group-commits them into the spool. Neither runs on Swift's cooperative pool: both block in
/// system calls (`recvmmsg`, `fdatasync`).
///
/// A frame is accepted only once the commit holding it returned. Invalid datagrams are rejected,
/// counted by reason and logged at most once per reason per 10 s.
public final class IngestPipeline: BlockingWorker, @unchecked Sendable {
    /// Counters since start.
    public let counters = IngestCounters()

    let server: UnixDatagramServer
    let spool: Spool
    let registry: KafkaMessageRegistry
    let policy: SenderPolicy
    let logger: Logger
    let rejections: RateLimitedLog
    let pending: PendingFrames
    let receiveCoalescingMicroseconds: UInt32

    let threads = ThreadGroup()

    /// Makes a pipeline from a bound socket and an open spool; call ``start()`` to run it.
    public init(
        server: UnixDatagramServer, spool: Spool, configuration: IngestConfiguration,
        registry: KafkaMessageRegistry = .standard, logger: Logger
    ) {
        self.server = server
        self.spool = spool
        self.registry = registry
        self.policy = configuration.senders
        self.logger = logger
        self.rejections = RateLimitedLog(logger: logger)
        self.pending = PendingFrames(maxBytes: configuration.maxPendingBytes)
        let (seconds, attoseconds) = configuration.receiveCoalescing.components
        self.receiveCoalescingMicroseconds = UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// The largest datagram that can hold a valid frame: type, name, two timestamps, two 64 KiB messages.
    public static let maxFrameSize = 1 + 1 + 255 + 2 * (8 + 2 + Int(UInt16.max))

    /// Starts the receiver and committer threads.
    public func start() {
        threads.spawn("dhcpkafka-ingest") { self.receiveLoop() }
        threads.spawn("dhcpkafka-commit") { self.commitLoop() }
    }

    /// Asks both threads to finish: the receiver stops reading, the committer commits what is pending.
    public func requestStop() { threads.requestStop() }

    /// Waits until both threads have finished; throws what stopped them if it was an error.
    public func waitUntilFinished() async throws { try await threads.waitUntilFinished() }

    var isStopping: Bool { threads.isStopping }

    func fail(_ error: any Error) { threads.fail(error) }
}
