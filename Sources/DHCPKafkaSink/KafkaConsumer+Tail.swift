import CRdKafka

/// One record of a partition's tail as ``KafkaConsumer/nextTailEvent(timeoutMs:headers:)`` reads it:
/// its position, key and the values of the headers asked for, without copying the value.
public struct TailRecord: Sendable {
    /// The partition it came from.
    public let partition: Int32
    /// Its offset in the partition.
    public let offset: Int64
    /// The key, or nil for a null key.
    public let key: [UInt8]?
    /// The last value of each header asked for, in the order asked; nil when the record has none.
    public let headers: [[UInt8]?]
}

/// What the next poll of a tail read brought.
public enum TailEvent: Sendable {
    /// A record.
    case record(TailRecord)
    /// The partition has no more records for now (its high watermark was reached). Needs
    /// `enable.partition.eof=true` on the consumer.
    case endOfPartition(Int32)
    /// Nothing arrived within the timeout.
    case nothing
}

extension KafkaConsumer {
    /// The low and high watermarks of a partition (`rd_kafka_query_watermark_offsets`): the first
    /// offset still stored and the offset the next record will get. Throws when no broker answers
    /// within `timeoutMs` or the partition is unknown.
    public func watermarks(topic: String, partition: Int32, timeoutMs: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        var low: Int64 = 0
        var high: Int64 = 0
        let err = KafkaErrorCode(rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMs))
        guard err == .noError else {
            throw KafkaError(code: err, message: "Cannot read the offsets of \(topic)/\(partition): \(err.name): \(err.text)")
        }
        return (low, high)
    }

    /// Reads one partition from `offset` on (replacing any earlier assignment).
    public func assign(topic: String, partition: Int32, offset: Int64) throws(KafkaError) {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard let list = rd_kafka_topic_partition_list_new(1) else {
            throw KafkaError(code: .invalidArgument, message: "Could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = offset
        let err = KafkaErrorCode(rd_kafka_assign(handle, list))
        guard err == .noError else {
            throw KafkaError(code: err, message: "Could not read \(topic)/\(partition) from offset \(offset): \(err.text)")
        }
    }

    /// Waits up to `timeoutMs` for the next record or end of partition, reading only its key and
    /// the headers named in `headers`. Throws the consumer errors librdkafka reports (topic
    /// authorization failed, …).
    public func nextTailEvent(timeoutMs: Int32, headers names: [String]) throws(KafkaError) -> TailEvent {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard let message = rd_kafka_consumer_poll(handle, timeoutMs) else { return .nothing }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        let err = KafkaErrorCode(m.err)
        if err == .partitionEOF { return .endOfPartition(m.partition) }
        guard err == .noError else {
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? err.text
            throw KafkaError(code: err, message: "Kafka consumer error: \(text)")
        }
        var list: OpaquePointer?
        let hasHeaders = rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR
        let values: [[UInt8]?] = names.map { name in
            guard hasHeaders, let list else { return nil }
            var bytes: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_last(list, name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
        }
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        return .record(TailRecord(partition: m.partition, offset: m.offset, key: key, headers: values))
    }
}
