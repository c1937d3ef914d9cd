import CRdKafka

/// A consumer-group member: subscribes to a topic, lets the group assign partitions, reads records
/// in batches and commits offsets only when told to (after the records are stored), so a crash or
/// rebalance redelivers what was not stored and never skips it. Owns one consumer `rd_kafka_t`;
/// use it from one thread at a time.
public final class KafkaGroupConsumer {
    private var handle: OpaquePointer?
    /// The subscribed topic.
    public let topic: String

    /// Creates the member of group `groupID` and subscribes it to `topic`. A group without committed
    /// offsets starts at the earliest retained record. `properties` are extra librdkafka properties.
    public init(bootstrapServers: String, groupID: String, topic: String, properties: [(String, String)] = [])
        throws(KafkaConfigurationError)
    {
        self.topic = topic
        let conf = KafkaConf()
        conf.silenceLog()
        let fixed = [
            ("bootstrap.servers", bootstrapServers), ("group.id", groupID), ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"), ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "false"), ("session.timeout.ms", "10000"), ("heartbeat.interval.ms", "1000"),
        ]
        for (name, value) in fixed + properties { try conf.set(name, value) }
        let secrets = properties.filter { KafkaSinkConfiguration.isSecretProperty($0.0) }.map(\.1)
        let client = try conf.makeClient(RD_KAFKA_CONSUMER, secrets: secrets)
        rd_kafka_poll_set_consumer(client)
        guard let list = rd_kafka_topic_partition_list_new(1) else {
            rd_kafka_destroy(client)
            throw KafkaConfigurationError(code: .clientCreationFailed, message: "Could not allocate a topic list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, -1)  // RD_KAFKA_PARTITION_UA
        let err = KafkaErrorCode(rd_kafka_subscribe(client, list))
        guard err == .noError else {
            rd_kafka_destroy(client)
            throw KafkaConfigurationError(
                code: .clientCreationFailed, message: "Could not subscribe to topic '\(topic)': \(err.text)")
        }
        handle = client
    }

    deinit { close() }

    /// Leaves the group (handing its partitions to other members) and destroys the consumer.
    /// Calling it again does nothing.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    /// Waits up to `timeoutMs` for a first record, then takes whatever else is already fetched, up to
    /// `maximum` records. Errors on individual partitions are returned, not thrown, so one bad
    /// partition never blocks the others.
    public func pollBatch(maximum: Int, timeoutMs: Int32) throws(KafkaError) -> (records: [ConsumedRecord], errors: [KafkaError]) {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        var records: [ConsumedRecord] = []
        var errors: [KafkaError] = []
        var wait = timeoutMs
        while records.count < maximum, let message = rd_kafka_consumer_poll(handle, wait) {
            wait = 0
            defer { rd_kafka_message_destroy(message) }
            let err = KafkaErrorCode(message.pointee.err)
            if err == .partitionEOF { continue }
            guard err == .noError else {
                let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? err.text
                errors.append(KafkaError(code: err, message: "Kafka consumer error: \(text)"))
                continue
            }
            records.append(ConsumedRecord(message))
        }
        return (records, errors)
    }

    /// Commits, synchronously, the next offset to read for each partition (the last stored offset + 1).
    /// Fails when the group rebalanced meanwhile; the records are then redelivered to whoever owns the
    /// partition, which recognises them as already stored.
    public func commit(nextOffsets: [Int32: Int64]) throws(KafkaError) {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard !nextOffsets.isEmpty else { return }
        guard let list = rd_kafka_topic_partition_list_new(Int32(nextOffsets.count)) else {
            throw KafkaError(code: .invalidArgument, message: "Could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in nextOffsets {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = offset
        }
        let err = KafkaErrorCode(rd_kafka_commit(handle, list, 0))
        guard err == .noError else {
            throw KafkaError(code: err, message: "Could not commit offsets of '\(topic)': \(err.text)")
        }
    }

    /// Consumer lag per assigned partition: the high watermark (as last fetched) minus the position;
    /// partitions without a known position are left out. Does not block on the network.
    public func lag() -> [Int32: Int64] {
        guard let handle else { return [:] }
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        _ = rd_kafka_position(handle, assignment)
        var lags: [Int32: Int64] = [:]
        for index in 0..<Int(assignment.pointee.cnt) {
            let entry = assignment.pointee.elems[index]
            var low: Int64 = -1
            var high: Int64 = -1
            guard let name = entry.topic,
                rd_kafka_get_watermark_offsets(handle, name, entry.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0, entry.offset >= 0
            else { continue }
            lags[entry.partition] = max(0, high - entry.offset)
        }
        return lags
    }
}
