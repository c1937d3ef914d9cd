import CRdKafka

/// Whether a record reached the topic log, from `rd_kafka_message_status`.
public enum DeliveryStatus: Sendable, Hashable {
    /// Never sent, or failed with an error saying it was not written. Re-producing risks reordering,
    /// not duplication.
    case notPersisted
    /// Sent but not acknowledged. Re-producing risks reordering and duplication.
    case possiblyPersisted
    /// Written and acknowledged by all in-sync replicas (`acks=all`).
    case persisted

    init(_ status: rd_kafka_msg_status_t) {
        switch status {
        case RD_KAFKA_MSG_STATUS_PERSISTED: self = .persisted
        case RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED: self = .possiblyPersisted
        default: self = .notPersisted
        }
    }
}

/// The final outcome of one produced record, as returned by ``KafkaProducer/poll(timeoutMs:)``.
///
/// librdkafka reports every accepted record exactly once: either success, or failure after its own
/// retries are exhausted or `message.timeout.ms` expired.
public struct DeliveryReport: Sendable, Hashable {
    /// The caller's token given to ``KafkaProducer/produce(value:key:headers:timestamp:token:)``.
    public let token: UInt64
    /// nil on success, else librdkafka's error code.
    public let error: KafkaErrorCode?
    /// The classification of ``error``; nil on success. ``KafkaFailureClass/fatal`` whenever the
    /// producer has a fatal error.
    public let failureClass: KafkaFailureClass?
    /// Whether the record is in the log.
    public let status: DeliveryStatus
    /// The partition written to, or -1 if none was chosen.
    public let partition: Int32
    /// The record's offset on success. librdkafka 2.0.2's idempotent producer may report
    /// `-1001` (`RD_KAFKA_OFFSET_INVALID`) for a record that was written by an earlier attempt whose
    /// acknowledgement was lost; it is still delivered.
    public let offset: Int64

    /// True when the record is in the log: no error and status ``DeliveryStatus/persisted``.
    public var isDelivered: Bool { error == nil && status == .persisted }

    /// Creates a report.
    public init(
        token: UInt64, error: KafkaErrorCode?, failureClass: KafkaFailureClass?, status: DeliveryStatus,
        partition: Int32, offset: Int64
    ) {
        self.token = token
        self.error = error
        self.failureClass = failureClass
        self.status = status
        self.partition = partition
        self.offset = offset
    }
}

/// What ``KafkaProducer/produce(value:key:headers:timestamp:token:)`` did with a record.
public enum ProduceOutcome: Sendable, Hashable {
    /// Queued; exactly one ``DeliveryReport`` with the token will follow.
    case accepted
    /// The local queue is full (`queue.buffering.max.messages` / `.kbytes`): call
    /// ``KafkaProducer/poll(timeoutMs:)`` and produce the record again. No report will follow.
    case queueFull
    /// Refused without queueing; no report will follow. `error.failureClass` says what to do:
    /// for example `MSG_SIZE_TOO_LARGE` (record bigger than `message.max.bytes`) is
    /// ``KafkaFailureClass/recordRejected``, `_FATAL` is ``KafkaFailureClass/fatal``.
    case failed(KafkaError)
}

/// Whether the producer can currently reach the cluster, as far as librdkafka has said.
public enum BrokerState: Sendable, Hashable, CustomStringConvertible {
    /// Nothing known yet: no delivery and no outage reported since the producer was created.
    case unknown
    /// A record was delivered since the last outage report.
    case up
    /// librdkafka reported that no broker is reachable (`_ALL_BROKERS_DOWN`); the reason includes
    /// the last connection error seen, without librdkafka's varying timing tail.
    case down(reason: String)
    /// The brokers are reachable but refuse our credentials (SASL authentication failed): no retry
    /// fixes that, the configuration or the broker's user database must change.
    case authenticationFailed(reason: String)

    /// `up`, `unknown`, `down: reason` or `authentication failed: reason`.
    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .up: return "up"
        case .down(let reason): return "down: \(reason)"
        case .authenticationFailed(let reason): return "authentication failed: \(reason)"
        }
    }
}

/// One line logged by librdkafka, with any configured secret value replaced by `********`.
public struct KafkaLogRecord: Sendable, Hashable {
    /// The syslog severity, 0 (emergency) to 7 (debug).
    public let level: Int32
    /// librdkafka's facility, e.g. `FAIL`, `CONNECT`, `ERROR` (for `error_cb` events).
    public let facility: String
    /// The text.
    public let message: String
}
