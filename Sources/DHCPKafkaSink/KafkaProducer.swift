import CRdKafka
import Synchronization

/// An idempotent Kafka producer for one topic: owns an `rd_kafka_t`.
///
/// Use it from one thread or task at a time (it is not `Sendable`): produce records, call
/// ``poll(timeoutMs:)`` regularly to collect ``DeliveryReport``s, and ``close()`` when done.
///
/// librdkafka 2.0.2 behaviour this relies on:
/// - Every record accepted by `rd_kafka_produceva` gets exactly one delivery report, served by
///   `rd_kafka_poll` or `rd_kafka_flush` on the calling thread.
/// - With `enable.idempotence=true` librdkafka retries internally (in order, de-duplicated by the
///   broker) until `message.timeout.ms`; a record that still fails after being sent may be reported
///   ``DeliveryStatus/possiblyPersisted``. When that happens librdkafka bumps the producer epoch
///   rather than raising a fatal error, so re-producing it may duplicate it in the topic.
/// - Fatal errors (`rd_kafka_fatal_error`) are rare with a plain idempotent producer (for example a
///   broker without `IdempotentWrite` permission); after one the instance must be recreated.
/// - ``close()`` does not flush: records still queued are purged without reports. Call
///   ``flush(timeoutMs:)`` first if they matter (the forwarder's spool keeps them anyway).
public final class KafkaProducer {
    /// The `rd_kafka_t`; nil once closed.
    private(set) var handle: OpaquePointer?
    /// The `rd_kafka_topic_t` of ``KafkaSinkConfiguration/topic``, made with the producer: records
    /// name it by handle (no lookup by name per record), and making it starts the topic's metadata
    /// request at once, so the first records need not wait for it. nil once closed.
    private(set) var topicHandle: OpaquePointer?
    private let context: ProducerCallbackContext
    /// The configuration the producer was created with.
    public let configuration: KafkaSinkConfiguration

    /// Validates `configuration` and creates the producer. Broker connections are made in the
    /// background; nothing here waits for the cluster.
    ///
    /// - Parameters:
    ///   - log: receives librdkafka's log lines and `error_cb` events, from librdkafka's internal
    ///     threads; keep it quick and do not call back into the producer. Secret property values
    ///     are masked. nil discards them.
    ///   - brokerStateChanged: called from ``poll(timeoutMs:)`` whenever ``brokerState`` changes.
    public init(
        configuration: KafkaSinkConfiguration, log: (@Sendable (KafkaLogRecord) -> Void)? = nil,
        brokerStateChanged: (@Sendable (BrokerState) -> Void)? = nil
    ) throws(KafkaConfigurationError) {
        try configuration.validate()
        let source = try configuration.sourceAddress.map { text throws(KafkaConfigurationError) in
            try SourceAddress(parsing: text)
        }
        let context = ProducerCallbackContext(
            log: log, brokerStateChanged: brokerStateChanged, secrets: configuration.secretValues,
            sourceAddress: source)
        let conf = KafkaConf()
        for (name, value) in configuration.effectiveProperties(masked: false) {
            try conf.set(name, value)
        }
        if let pointer = conf.pointer { context.install(on: pointer) }
        let handle = try conf.makeClient(RD_KAFKA_PRODUCER, secrets: configuration.secretValues)
        self.handle = handle
        self.topicHandle = rd_kafka_topic_new(handle, configuration.topic, nil)
        self.context = context
        self.configuration = configuration
    }

    deinit { close() }

    /// Destroys the librdkafka instance. Queued records are dropped without delivery reports.
    /// Calling it again does nothing; afterwards ``produce(value:key:headers:timestamp:token:)``
    /// fails with `_DESTROY`.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        if let topicHandle {
            self.topicHandle = nil
            rd_kafka_topic_destroy(topicHandle)
        }
        rd_kafka_destroy(handle)
    }

    /// Fails every record still queued in librdkafka and not yet sent to a broker
    /// (`rd_kafka_purge` with `RD_KAFKA_PURGE_F_QUEUE`): each gets a delivery report with
    /// `_PURGE_QUEUE` and status ``DeliveryStatus/notPersisted`` from the next ``poll(timeoutMs:)``.
    /// Records already sent are left alone (their reports still come).
    ///
    /// Call it when an earlier record failed and will be produced again: otherwise a later record
    /// of the same partition still queued (say, behind a partition that had no leader for longer
    /// than `message.timeout.ms`) could reach Kafka before the failed one is produced again.
    public func purgeQueued() {
        guard let handle else { return }
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE))
    }

    /// Records queued or in flight, plus undelivered reports and events (`rd_kafka_outq_len`).
    /// Zero once everything produced has been reported and polled.
    public var inFlight: Int {
        guard let handle else { return 0 }
        return Int(rd_kafka_outq_len(handle))
    }

    /// The cluster's reachability as last reported; see ``BrokerState``.
    public var brokerState: BrokerState { context.state.withLock { $0.brokerState } }

    /// The local addresses (`address:port`) of the last broker connections made from the configured
    /// ``KafkaSinkConfiguration/sourceAddress``, oldest first (at most 16); empty without one.
    public var boundLocalAddresses: [String] { context.state.withLock { $0.localAddresses } }

    /// The fatal error raised on this producer, if any (`rd_kafka_fatal_error`). Once set, the
    /// producer accepts nothing more: close it and create a new one.
    public func fatalError() -> KafkaError? {
        guard let handle else { return nil }
        var errstr = [CChar](repeating: 0, count: 512)
        let code = KafkaErrorCode(rd_kafka_fatal_error(handle, &errstr, errstr.count))
        guard code != .noError else { return nil }
        let text = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return KafkaError(
            code: code, message: "Kafka producer failed permanently: \(text); it must be recreated",
            failureClass: .fatal)
    }

    /// Serves librdkafka's callbacks for up to `timeoutMs` (0: don't wait; returns as soon as
    /// something was served) and returns the delivery reports collected since the last call,
    /// including those served by ``flush(timeoutMs:)``.
    public func poll(timeoutMs: Int32 = 0) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        poll(timeoutMs: timeoutMs, into: &reports)
        return reports
    }

    /// Like ``poll(timeoutMs:)``, but hands the reports over in `reports` (its old contents are
    /// dropped): the caller's buffer and the producer's are swapped, so a caller that keeps passing
    /// the same buffer allocates nothing in steady state.
    public func poll(timeoutMs: Int32 = 0, into reports: inout [DeliveryReport]) {
        if let handle { rd_kafka_poll(handle, timeoutMs) }
        reports.removeAll(keepingCapacity: true)
        context.state.withLock { state in swap(&state.reports, &reports) }
    }

    /// Waits up to `timeoutMs` for every queued record to be reported; returns true if none are
    /// left. The reports are kept for the next ``poll(timeoutMs:)``.
    @discardableResult
    public func flush(timeoutMs: Int32) -> Bool {
        guard let handle else { return true }
        return rd_kafka_flush(handle, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR
    }
}

extension KafkaProducer {
    /// Raises a fabricated fatal error (`rd_kafka_test_fatal_error`), for tests of fatal-error
    /// handling; real fatal errors are practically impossible to provoke with a mock cluster.
    package func raiseFatalErrorForTesting(_ code: KafkaErrorCode, reason: String) {
        guard let handle else { return }
        _ = rd_kafka_test_fatal_error(handle, code.cValue, reason)
    }
}

extension KafkaProducer {
    /// The librdkafka version this process runs with (the loaded library's, not the headers').
    public static var libraryVersion: String { String(cString: rd_kafka_version_str()) }
}
