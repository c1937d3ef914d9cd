import DHCPKafkaRuntime
import DHCPKafkaSink
import DHCPKafkaSpool
import Foundation
import Logging
import Synchronization
import TextCodecs

/// Drains the spool into Kafka: at-least-once, in sequence order, a bounded window in flight,
/// exponential backoff while Kafka is unreachable, and nothing removed from the spool before
/// Kafka acknowledged it.
///
/// Runs on its own thread (librdkafka's poll blocks). Frames leave the spool only as a contiguous
/// prefix: the acknowledged watermark moves in the same LMDB transaction that deletes them.
public final class Forwarder: BlockingWorker, @unchecked Sendable {
    /// What it did so far, and its state.
    public let counters = ForwarderCounters()

    let configuration: ForwarderConfiguration
    let spool: Spool
    let logger: Logger
    let builder: RecordBuilder
    let spoolIdentity: [UInt8]
    /// librdkafka's log lines, one per kind per minute; kept across producer restarts.
    let kafkaLogLimiter = KafkaLogLimiter()

    private let threads = ThreadGroup()

    /// Makes a forwarder for an open spool (role `.forwarder`); ``start()`` runs it.
    public init(configuration: ForwarderConfiguration, spool: Spool, logger: Logger) throws(SpoolError) {
        self.configuration = configuration
        self.spool = spool
        self.logger = logger
        let stats = try spool.stats()
        let identity = stats.identity
        self.builder = RecordBuilder(key: configuration.key, spoolIdentity: identity, epoch: stats.epoch)
        self.spoolIdentity = Self.uuidBytes(identity)
    }

    /// Starts the forwarding thread.
    public func start() {
        threads.spawn("dhcpkafka-forward") { [self] in
            do {
                var loop = try ForwardLoop(forwarder: self)
                try loop.deduplicate()
                try loop.run()
            } catch {
                logger.critical("forwarder stopped on an error", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }

    /// Asks the forwarder to stop: no new records, wait (up to the shutdown timeout) for those in
    /// flight, persist the watermark.
    public func requestStop() { threads.requestStop() }

    var isStopping: Bool { threads.isStopping }

    /// Waits until the forwarding thread ended; throws what stopped it if it was an error.
    public func waitUntilFinished() async throws { try await threads.waitUntilFinished() }

    /// A UUID's 16 bytes from its text form (anything else gives 16 zero bytes).
    static func uuidBytes(_ text: String) -> [UInt8] {
        Hex.uuidBytes(text) ?? [UInt8](repeating: 0, count: 16)
    }
}
