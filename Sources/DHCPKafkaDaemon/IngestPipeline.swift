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
    public let counters: IngestCounters

    let server: UnixDatagramServer
    let spool: Spool
    let registry: KafkaMessageRegistry
    let policy: SenderPolicy
    let logger: Logger
    let rejections: RateLimitedLog
    let pending: PendingFrames
    let receiveCoalescingMicroseconds: UInt32
    let shutdownTimeout: Duration
    let senderGroups = SenderGroups()
    /// With peeking: what the committer did with the socket queue, for a successor after a crash.
    let journal: IngestJournal?
    /// The spool's `received` counter when this pipeline started.
    let receivedAtStart: UInt64
    /// Datagrams at the head of the queue that a crashed predecessor may have committed already and
    /// that could not be matched for sure (an upper bound); counted as `possibly_repeated`.
    public let possiblyRepeatedAtStart: UInt64
    /// Counter deltas added to the first commit (skipped or possibly repeated frames, restarts).
    let startCounterDeltas: [String: UInt64]
    /// Restarts of this worker's supervisor so far (the spool's `ingest_restarts` catches up to it).
    let restarts: (count: UInt64, supervisor: Int32)?

    let threads = ThreadGroup()

    /// Makes a pipeline from a bound socket and an open spool; call ``start()`` to run it. `counters`
    /// may be made first, for a metrics endpoint bound before the socket.
    public init(
        server: UnixDatagramServer, spool: Spool, configuration: IngestConfiguration,
        registry: KafkaMessageRegistry = .standard, counters: IngestCounters = IngestCounters(),
        restarts: (count: UInt64, supervisor: Int32)? = nil, logger: Logger
    ) {
        self.counters = counters
        self.server = server
        self.spool = spool
        self.registry = registry
        self.policy = configuration.senders
        self.logger = logger
        self.rejections = RateLimitedLog(logger: logger)
        self.pending = PendingFrames(maxBytes: configuration.maxPendingBytes)
        self.shutdownTimeout = configuration.shutdownTimeout
        let (seconds, attoseconds) = configuration.receiveCoalescing.components
        self.receiveCoalescingMicroseconds = UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        // Peek, commit, then consume: a crash loses nothing that reached the socket queue.
        if configuration.peekUntilCommitted, !server.enablePeeking() {
            logger.warning(
                "this kernel cannot peek at Unix datagram sockets with an offset (SO_PEEK_OFF, Linux 4.4 and later): frames received but not yet committed are lost if the daemon crashes")
        }
        journal = server.isPeeking ? IngestJournal(directory: spool.path) : nil
        if server.isPeeking, journal == nil {
            logger.warning("cannot open \(spool.path)/\(IngestJournal.fileName): after a crash, frames committed but still queued are stored twice and not counted")
        }
        receivedAtStart = (try? spool.stats())?.counters["received"] ?? 0
        var deltas: [String: UInt64] = [:]
        if let journal, let entry = IngestJournal.unconsumed(journal.previous, receivedNow: receivedAtStart, socket: server.socketInode) {
            let outcome = IngestRecovery.run(entry, journal: journal, server: server, slotSize: Self.maxFrameSize + 1)
            if outcome.skipped > 0 {
                deltas["repeats_skipped"] = outcome.skipped
                logger.notice(
                    "the previous ingest worker stopped between a commit and removing its frames from the socket queue: removed \(outcome.skipped) committed frames from the head of the queue without storing them again",
                    metadata: ["skipped": "\(outcome.skipped)"])
            }
            if outcome.possiblyRepeated > 0 {
                deltas["possibly_repeated"] = outcome.possiblyRepeated
                logger.warning(
                    "the previous ingest worker stopped between a commit and removing its frames from the socket queue: up to \(outcome.possiblyRepeated) frames at the head of the queue are stored a second time (counted as possibly_repeated)",
                    metadata: ["possibly_repeated": "\(outcome.possiblyRepeated)"])
            }
            possiblyRepeatedAtStart = outcome.possiblyRepeated
        } else {
            possiblyRepeatedAtStart = 0
        }
        if let restarts {
            let persisted = journal?.restartsPersisted(parent: restarts.supervisor) ?? 0
            if restarts.count > persisted { deltas["ingest_restarts"] = restarts.count - persisted }
        }
        self.restarts = restarts
        // Committed at once: a worker that is stopped or killed before it receives anything must not
        // lose them. (Should this commit fail, they go with the first commit of frames.)
        if !deltas.isEmpty, (try? spool.append(SpoolBatch(), counterDeltas: deltas)) != nil {
            if let restarts { journal?.persistRestarts(restarts.count, parent: restarts.supervisor) }
            deltas = [:]
        }
        startCounterDeltas = deltas
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

    /// Waits until both threads have finished; throws what stopped them if it was an error, and
    /// ``IngestError/framesLostAtShutdown(_:)`` (logged with the exact count) when a stop gave up
    /// on received frames.
    public func waitUntilFinished() async throws {
        var failure: (any Error)?
        do { try await threads.waitUntilFinished() } catch { failure = error }
        let lost = counters.lostAtShutdown
        if lost > 0 {
            logger.critical(
                "lost \(lost) received frames at shutdown: the spool refused every commit until the shutdown timeout",
                metadata: ["lost": "\(lost)", "accepted": "\(counters.accepted)"])
            throw IngestError.framesLostAtShutdown(lost)
        }
        if let failure { throw failure }
    }

    var isStopping: Bool { threads.isStopping }

    func fail(_ error: any Error) { threads.fail(error) }
}

/// Why ingest stopped with an error of its own (not the socket's or the spool's).
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// A graceful stop gave up on frames it had received: the spool refused commits until the
    /// shutdown timeout (disk full, I/O error). The count is exact.
    case framesLostAtShutdown(UInt64)

    /// What happened and what to do.
    public var description: String {
        switch self {
        case .framesLostAtShutdown(let lost):
            return "lost \(lost) received frames at shutdown: the spool refused every commit until the shutdown timeout; "
                + "free space on the spool's file system (or fix its I/O errors) before stopping, or raise --shutdown-timeout"
        }
    }
}
