import DHCPKafkaRuntime
import DHCPKafkaSink
import Foundation
import Logging
import LookingGlassStore
import Synchronization

/// How the collector reads Kafka.
public struct CollectorConfiguration: Sendable {
    /// `host:port[,host:port...]`.
    public var brokers: String
    /// The topic the relays publish to.
    public var topic: String
    /// The consumer group (members share the partitions).
    public var group: String
    /// Extra librdkafka properties (TLS, SASL...).
    public var properties: [(String, String)]
    /// At most this many records per store transaction (default ``defaultBatchSize``).
    public var batchSize: Int
    /// How the DHCPKit wrapper relay is recognised.
    public var wrapperMode: ClientLocation.WrapperMode
    /// What is kept, and how often it is enforced (seconds).
    public var retention: Retention
    /// Seconds between retention passes.
    public var retentionInterval: Double

    /// Records per store transaction unless configured otherwise.
    public static let defaultBatchSize = 5000

    /// Makes a configuration.
    public init(
        brokers: String, topic: String = "dhcpkit.messages", group: String = "dhcpkafka-lookingglass",
        properties: [(String, String)] = [], batchSize: Int = CollectorConfiguration.defaultBatchSize,
        wrapperMode: ClientLocation.WrapperMode = .auto,
        retention: Retention = Retention(), retentionInterval: Double = 60
    ) {
        self.brokers = brokers
        self.topic = topic
        self.group = group
        self.properties = properties
        self.batchSize = batchSize
        self.wrapperMode = wrapperMode
        self.retention = retention
        self.retentionInterval = retentionInterval
    }
}

/// The collector: a consumer-group member on its own thread that stores every record and commits the
/// offsets only after the store committed the batch. A store failure retries the same batch (nothing
/// is committed, nothing skipped); undecodable records are stored as such and never stop a partition.
public final class Collector: BlockingWorker, @unchecked Sendable {
    private let configuration: CollectorConfiguration
    private let store: any LookingGlassStore
    private let feed: LiveFeed?
    /// The collector's counters.
    public let counters: CollectorCounters
    private let logger: Logger
    // The consumer is used by the worker thread only, after init.
    private let consumer: KafkaGroupConsumer
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, error: (any Error)?, waiters: [CheckedContinuation<Void, any Error>])>(
        (false, nil, []))

    /// Joins the group; throws when the Kafka settings are invalid.
    public init(
        configuration: CollectorConfiguration, store: any LookingGlassStore, feed: LiveFeed? = nil,
        counters: CollectorCounters = CollectorCounters(), logger: Logger = Logger(label: "dhcpkafka-lookingglass")
    ) throws(KafkaConfigurationError) {
        self.configuration = configuration
        self.store = store
        self.feed = feed
        self.counters = counters
        self.logger = logger
        consumer = try KafkaGroupConsumer(
            bootstrapServers: configuration.brokers, groupID: configuration.group, topic: configuration.topic,
            properties: configuration.properties)
    }

    /// Starts the collector thread.
    public func start() {
        let thread = Thread { [self] in
            run()
            consumer.close()
            let waiters = finished.withLock { state -> [CheckedContinuation<Void, any Error>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "lg-collector"
        thread.start()
    }

    /// Asks the thread to stop after the batch in hand (stored and committed, or not committed at all).
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Waits until the thread stopped and the consumer left the group.
    public func waitUntilFinished() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let done = finished.withLock { state -> Bool in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    private var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Seconds between offset commits while records keep coming.
    static let commitInterval = 0.5

    /// The consumer thread: polls, decodes and hands each batch to the store thread (at most one
    /// waiting, so memory stays bounded), and commits the offsets the store thread reports stored.
    /// Decoding the next batch overlaps storing the previous one.
    private func run() {
        let decoder = RecordDecoder(wrapperMode: configuration.wrapperMode)
        let handoff = BatchHandoff()
        let storeThread = Thread { [self] in
            while let job = handoff.take() {
                if store(job) { handoff.stored(job.next) }
            }
            handoff.storeThreadFinished()
        }
        storeThread.name = "lg-store"
        storeThread.start()
        var lastPrune = 0.0
        var lastCommit = 0.0
        while !stopping {
            let now = Date().timeIntervalSince1970
            // A synchronous commit is a round trip to the group coordinator: once per batch it kept
            // the consumer thread waiting most of the time. Stored offsets are committed at most
            // every half second (and at the end); a crash in between redelivers records the store
            // recognises.
            if now - lastCommit >= Self.commitInterval {
                lastCommit = now
                commit(handoff.takeStoredOffsets())
            }
            if now - lastPrune >= configuration.retentionInterval {
                lastPrune = now
                prune(now: now)
            }
            let polled: (records: [ConsumedRecord], errors: [KafkaError])
            do {
                polled = try consumer.pollBatch(maximum: configuration.batchSize, timeoutMs: 100)
            } catch {
                counters.consumerError(error.description)
                break
            }
            for error in polled.errors {
                counters.consumerError(error.description)
                logger.warning("Kafka consumer error (the collector keeps reading): \(error.description)")
            }
            guard !polled.records.isEmpty else {
                counters.idle(at: now, lag: consumer.lag())
                continue
            }
            handoff.put(decode(polled.records, decoder: decoder, now: now))
            counters.idle(at: now, lag: consumer.lag())
        }
        // Store what was handed over (or give up on it when the store keeps failing: then its
        // offsets are not committed and the records come again), then commit what was stored.
        handoff.finish()
        handoff.waitForStoreThread()
        commit(handoff.takeStoredOffsets())
    }

    private func decode(_ records: [ConsumedRecord], decoder: RecordDecoder, now: Double) -> BatchHandoff.Job {
        var batch = IngestBatch()
        batch.transactions.reserveCapacity(records.count)
        var next: [Int32: Int64] = [:]
        for record in records {
            next[record.partition] = max(next[record.partition] ?? 0, record.offset + 1)
            switch decoder.decode(record, now: now) {
            case .transaction(let transaction): batch.transactions.append(transaction)
            case .gap(let gap): batch.gaps.append(gap)
            case .undecodable(let entry): batch.undecodable.append(entry)
            }
        }
        return BatchHandoff.Job(batch: batch, records: records.count, next: next, now: now)
    }

    /// Stores a batch, retrying until it is stored (true) or a stop is requested (false).
    private func store(_ job: BatchHandoff.Job) -> Bool {
        var delay = 0.1
        while true {
            do {
                let result = try store.ingest(job.batch)
                counters.stored(
                    records: job.records, inserted: result.inserted, duplicates: result.duplicates,
                    gaps: job.batch.gaps.count, undecodable: job.batch.undecodable.map(\.reason), at: job.now)
                publish(job.batch, result)
                return true
            } catch {
                counters.storeFailed(error.message)
                logger.error("Could not store a batch of \(job.records) record(s), retrying: \(error.message)")
                if stopping { return false }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    /// Commits offsets of stored batches (on the consumer thread).
    private func commit(_ next: [Int32: Int64]) {
        guard !next.isEmpty else { return }
        do {
            try consumer.commit(nextOffsets: next)
            counters.clearError()
        } catch {
            counters.commitFailed(error.description)
            logger.warning("Offset commit failed; the records will be redelivered and recognised: \(error.description)")
        }
    }

    private func publish(_ batch: IngestBatch, _ result: IngestResult) {
        guard let feed, feed.subscriberCount > 0, !result.insertedIDs.isEmpty else { return }
        // Read the stored rows back (on a read snapshot, only while someone is watching), no more than
        // a subscriber's buffer keeps.
        var summaries: [TransactionSummary] = []
        for id in result.insertedIDs.suffix(feed.bufferPerSubscriber) {
            if let detail = try? store.transaction(id: id) { summaries.append(detail.summary) }
        }
        feed.publish(summaries)
    }

    private func prune(now: Double) {
        do {
            let removed = try store.prune(configuration.retention, now: now)
            if removed > 0 { logger.info("Retention removed \(removed) row(s)") }
        } catch {
            counters.storeFailed(error.message)
            logger.error("Retention failed: \(error.message)")
        }
    }
}
