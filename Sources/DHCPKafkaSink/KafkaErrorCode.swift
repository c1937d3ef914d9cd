import CRdKafka

/// A librdkafka error code (`rd_kafka_resp_err_t`): a Kafka protocol error (positive),
/// a client-local error (negative, names starting with `_`), or ``noError``.
///
/// Codes match with `~=`, so callers can `switch report.error { case .msgSizeTooLarge: ... }`.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw `rd_kafka_resp_err_t` value.
    public let rawValue: Int32

    /// Creates a code from a raw `rd_kafka_resp_err_t` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

    /// The value librdkafka's C API takes.
    var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix (`rd_kafka_err2name`),
    /// e.g. `MSG_SIZE_TOO_LARGE` or `_ALL_BROKERS_DOWN`.
    public var name: String { String(cString: rd_kafka_err2name(cValue)) }

    /// librdkafka's human-readable text for the code (`rd_kafka_err2str`).
    public var text: String { String(cString: rd_kafka_err2str(cValue)) }

    /// `NAME (raw): text`.
    public var description: String { "\(name) (\(rawValue)): \(text)" }

    /// Returns true if both codes are the same.
    public static func ~= (pattern: KafkaErrorCode, code: KafkaErrorCode) -> Bool { pattern == code }

    /// Returns true if `code` is present and equal to `pattern`, for matching optional codes.
    public static func ~= (pattern: KafkaErrorCode, code: KafkaErrorCode?) -> Bool { pattern == code }

    /// Success.
    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)

    // Client-local errors.
    /// The client instance is being destroyed.
    public static let destroy = KafkaErrorCode(RD_KAFKA_RESP_ERR__DESTROY)
    /// A broker connection failed or was closed.
    public static let transport = KafkaErrorCode(RD_KAFKA_RESP_ERR__TRANSPORT)
    /// A broker host name could not be resolved.
    public static let resolve = KafkaErrorCode(RD_KAFKA_RESP_ERR__RESOLVE)
    /// The message was not delivered within `message.timeout.ms`.
    public static let messageTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    /// The partition is not known in the cluster.
    public static let unknownPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    /// The topic is not known in the cluster.
    public static let unknownTopic = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    /// No broker connection is up.
    public static let allBrokersDown = KafkaErrorCode(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    /// An invalid argument was passed to librdkafka.
    public static let invalidArgument = KafkaErrorCode(RD_KAFKA_RESP_ERR__INVALID_ARG)
    /// An operation timed out.
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    /// The local producer queue (`queue.buffering.max.messages`/`.kbytes`) is full.
    public static let queueFull = KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    /// A TLS error.
    public static let ssl = KafkaErrorCode(RD_KAFKA_RESP_ERR__SSL)
    /// The operation is not allowed in the current state.
    public static let state = KafkaErrorCode(RD_KAFKA_RESP_ERR__STATE)
    /// SASL or TLS authentication failed.
    public static let authentication = KafkaErrorCode(RD_KAFKA_RESP_ERR__AUTHENTICATION)
    /// The message was purged from the queue (`rd_kafka_purge`, or on destroy).
    public static let purgeQueue = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
    /// The in-flight message was purged.
    public static let purgeInFlight = KafkaErrorCode(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    /// A fatal error was raised on the client; see ``KafkaProducer/fatalError()``.
    public static let fatal = KafkaErrorCode(RD_KAFKA_RESP_ERR__FATAL)
    /// The end of a partition was reached (consumer, only with `enable.partition.eof`).
    public static let partitionEOF = KafkaErrorCode(RD_KAFKA_RESP_ERR__PARTITION_EOF)

    // Broker (protocol) errors.
    /// The record failed its CRC check or is otherwise corrupt (`CORRUPT_MESSAGE` is the same code).
    public static let invalidMessage = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_MSG)
    /// The topic or partition does not exist on the broker.
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// The message has an invalid size.
    public static let invalidMessageSize = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE)
    /// The partition has no leader right now.
    public static let leaderNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
    /// The broker is not the partition leader.
    public static let notLeaderForPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
    /// The broker timed out the request.
    public static let requestTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
    /// The message is larger than the broker or topic allows.
    public static let msgSizeTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    /// A network error on the broker side.
    public static let networkException = KafkaErrorCode(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION)
    /// The topic name is invalid.
    public static let invalidTopic = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION)
    /// The record batch is larger than the broker allows.
    public static let recordListTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)
    /// Too few in-sync replicas to accept `acks=all` writes.
    public static let notEnoughReplicas = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
    /// Written, but too few in-sync replicas acknowledged it.
    public static let notEnoughReplicasAfterAppend = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND)
    /// The broker rejected the `acks` setting.
    public static let invalidRequiredAcks = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS)
    /// The client may not write to the topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// The client may not perform a cluster action (for example `IdempotentWrite`).
    public static let clusterAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED)
    /// The record timestamp is out of the broker's accepted range.
    public static let invalidTimestamp = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP)
    /// The record format is not supported by the broker.
    public static let unsupportedForMessageFormat = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT)
    /// A broker-side policy rejected the request.
    public static let policyViolation = KafkaErrorCode(RD_KAFKA_RESP_ERR_POLICY_VIOLATION)
    /// The idempotent producer's sequence numbers are out of order.
    public static let outOfOrderSequenceNumber = KafkaErrorCode(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
    /// The broker already has a batch with this sequence from this producer.
    public static let duplicateSequenceNumber = KafkaErrorCode(RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER)
    /// The producer's epoch is older than the broker's: another instance took over its id.
    public static let invalidProducerEpoch = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    /// The producer id does not map to a transactional id.
    public static let invalidProducerIdMapping = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING)
    /// The broker no longer knows the producer id (its state expired or was lost).
    public static let unknownProducerId = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID)
    /// The broker fenced this producer (a newer epoch of its id exists).
    public static let producerFenced = KafkaErrorCode(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
    /// The client-side view of a fenced producer.
    public static let fenced = KafkaErrorCode(RD_KAFKA_RESP_ERR__FENCED)
    /// The broker failed to write to its log directory.
    public static let kafkaStorageError = KafkaErrorCode(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR)
    /// The broker does not support the configured compression codec.
    public static let unsupportedCompressionType = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE)
    /// The broker rejected a record in the batch (KIP-467).
    public static let invalidRecord = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_RECORD)
}
