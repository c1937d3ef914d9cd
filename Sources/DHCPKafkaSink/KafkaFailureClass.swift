/// What the forwarder should do about a record that Kafka did not take.
///
/// The classification is this module's decision, made once here so that the forwarder does not
/// interpret raw librdkafka codes itself:
///
/// - ``retriable``: produce the record again later. This covers timeouts (`_MSG_TIMED_OUT`),
///   connection loss, leader changes and every code not listed below. librdkafka has already
///   retried internally before reporting such a failure.
/// - ``recordRejected``: this record can never be written (too large, malformed, bad timestamp).
///   Retrying is pointless; quarantine or drop the record and go on with the next one.
///   Codes: `MSG_SIZE_TOO_LARGE`, `INVALID_MSG_SIZE`, `RECORD_LIST_TOO_LARGE`, `INVALID_RECORD`,
///   `INVALID_MSG` (= `CORRUPT_MESSAGE`), `INVALID_TIMESTAMP`, `UNSUPPORTED_FOR_MESSAGE_FORMAT`.
/// - ``destinationRejected``: the record is fine but the destination refuses everything: topic
///   missing (`UNKNOWN_TOPIC_OR_PART`, `_UNKNOWN_TOPIC`, `_UNKNOWN_PARTITION`, which is what a
///   cluster with topic auto-creation off answers), invalid topic, authorization failures, a policy
///   violation, `acks` or compression not supported. Dropping the record would lose data because of
///   an operator mistake, so the forwarder should keep it, alert the operator, and retry slowly.
/// - ``fatal``: the producer instance is unusable (`_FATAL`; see ``KafkaProducer/fatalError()``),
///   or its idempotence state is broken: `PRODUCER_FENCED`, `_FENCED`, `INVALID_PRODUCER_EPOCH`,
///   `UNKNOWN_PRODUCER_ID`, `INVALID_PRODUCER_ID_MAPPING`, `OUT_OF_ORDER_SEQUENCE_NUMBER`,
///   `DUPLICATE_SEQUENCE_NUMBER` (librdkafka reports these as permanent failures without always
///   raising a fatal error; the same instance then fails every record, as seen with a fenced
///   producer). Close it and create a new one; records that were in flight count as not delivered.
public enum KafkaFailureClass: String, Sendable, Hashable, CustomStringConvertible {
    /// Produce the record again later.
    case retriable
    /// The record itself can never be written; skip it.
    case recordRejected
    /// The destination refuses all records until an operator intervenes; keep the record.
    case destinationRejected
    /// The producer must be recreated.
    case fatal

    /// True for ``recordRejected`` and ``destinationRejected``: retrying soon will not help.
    public var isPermanent: Bool { self == .recordRejected || self == .destinationRejected }

    /// The raw name.
    public var description: String { rawValue }
}

extension KafkaErrorCode {
    /// This module's classification of the code for a record that failed with it.
    ///
    /// ``noError`` classifies as ``KafkaFailureClass/retriable`` (it is not a failure; callers check
    /// for success first).
    public var failureClass: KafkaFailureClass {
        switch self {
        case .msgSizeTooLarge, .invalidMessageSize, .recordListTooLarge, .invalidRecord, .invalidMessage,
            .invalidTimestamp, .unsupportedForMessageFormat:
            return .recordRejected
        case .unknownTopicOrPartition, .unknownTopic, .unknownPartition, .invalidTopic,
            .topicAuthorizationFailed, .clusterAuthorizationFailed, .policyViolation, .invalidRequiredAcks,
            .unsupportedCompressionType:
            return .destinationRejected
        case .fatal, .producerFenced, .fenced, .invalidProducerEpoch, .unknownProducerId, .invalidProducerIdMapping,
            .outOfOrderSequenceNumber, .duplicateSequenceNumber:
            // The idempotence state the producer and the broker share is broken: librdkafka 2.0.2
            // raises a fatal error for some of these, and for others (a fenced epoch) fails every
            // record for ever with the same instance. Only a new producer (new id) gets out of it.
            return .fatal
        default:
            return .retriable
        }
    }
}
