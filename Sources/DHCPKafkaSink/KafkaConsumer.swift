import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// One record read by ``KafkaConsumer/poll(timeoutMs:)``.
public struct ConsumedRecord: Sendable, Hashable {
    /// The partition it came from.
    public let partition: Int32
    /// Its offset in the partition.
    public let offset: Int64
    /// The key, or nil for a null key.
    public let key: [UInt8]?
    /// The value; empty for a null value.
    public let value: [UInt8]
    /// The headers in order; a null header value reads as empty.
    public let headers: [(String, [UInt8])]
    /// The record timestamp in ms since the Unix epoch, or -1 if not available.
    public let timestamp: Int64

    /// Creates a record (consumers make them from librdkafka's; `package` for the package's tests).
    package init(partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [(String, [UInt8])], timestamp: Int64) {
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// Records are equal when every field is; headers compare in order.
    public static func == (lhs: ConsumedRecord, rhs: ConsumedRecord) -> Bool {
        lhs.partition == rhs.partition && lhs.offset == rhs.offset && lhs.key == rhs.key && lhs.value == rhs.value
            && lhs.timestamp == rhs.timestamp && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }

    /// Hashes the position and value.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(partition)
        hasher.combine(offset)
        hasher.combine(value)
    }
}

/// A minimal consumer for tests and command-line checks: owns a consumer `rd_kafka_t`, reads
/// explicitly assigned partitions (no group rebalancing, no offset commits).
public final class KafkaConsumer {
    var handle: OpaquePointer?
    /// The source address and log handler reached from librdkafka's callbacks; their opaque, kept alive here.
    private let context: ConsumerContext?

    /// Creates the consumer. librdkafka's `rd_kafka_assign` needs a `group.id`, so without
    /// `groupID` a unique one is made up; offsets are never committed.
    /// `properties` are extra librdkafka properties (TLS, SASL...). With `sourceAddress` (an IPv4
    /// or IPv6 literal) every broker connection is made from that address, as the producer's are.
    /// With `log`, librdkafka's log lines go to it (secret property values masked) instead of to
    /// standard error; it runs on librdkafka's threads and must not call the consumer.
    public init(
        bootstrapServers: String, groupID: String? = nil, properties: [(String, String)] = [], sourceAddress: String? = nil,
        log: (@Sendable (KafkaLogRecord) -> Void)? = nil
    ) throws(KafkaConfigurationError) {
        let conf = KafkaConf()
        let group = groupID ?? "dhcpkafka-reader-\(UInt64.random(in: 0...UInt64.max))"
        var fixed = [
            ("bootstrap.servers", bootstrapServers), ("group.id", group), ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"), ("auto.offset.reset", "earliest"),
        ]
        let address = try sourceAddress.map { text throws(KafkaConfigurationError) in try SourceAddress(parsing: text) }
        if let address { fixed.append(("broker.address.family", address.isIPv6 ? "v6" : "v4")) }
        for (name, value) in fixed + properties { try conf.set(name, value) }
        let secrets = properties.filter { KafkaSinkConfiguration.isSecretProperty($0.0) }.map(\.1)
        context = address != nil || log != nil ? ConsumerContext(address: address, log: log, secrets: secrets) : nil
        if let context, let pointer = conf.pointer {
            rd_kafka_conf_set_opaque(pointer, Unmanaged.passUnretained(context).toOpaque())
            if address != nil { rd_kafka_conf_set_connect_cb(pointer, consumerConnectCallback) }
            if log != nil { rd_kafka_conf_set_log_cb(pointer, consumerLogCallback) }
        }
        handle = try conf.makeClient(RD_KAFKA_CONSUMER, secrets: secrets)
    }

    deinit { close() }

    /// Leaves and destroys the consumer. Calling it again does nothing.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    /// The partition ids of `topic`, from the cluster's metadata (waiting up to `timeoutMs`).
    /// Throws when no broker answers in time (unreachable, unresolvable, TLS or SASL refused) or
    /// the topic does not exist, with what to check.
    public func partitions(of topic: String, timeoutMs: Int32) throws(KafkaError) -> [Int32] {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else {
            throw KafkaError(code: .invalidArgument, message: "Cannot use topic '\(topic)'")
        }
        defer { rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let err = KafkaErrorCode(rd_kafka_metadata(handle, 0, rkt, &metadata, timeoutMs))
        guard err == .noError, let metadata else {
            throw KafkaError(
                code: err,
                message: "No Kafka broker answered within \(timeoutMs / 1000) s (\(err.name): \(err.text)); "
                    + "check the broker addresses, that they are reachable from here, and the TLS/SASL properties")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt >= 1, let topics = metadata.pointee.topics else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "The brokers returned no metadata for topic '\(topic)'")
        }
        let entry = topics[0]
        let topicError = KafkaErrorCode(entry.err)
        guard topicError == .noError else {
            throw KafkaError(
                code: topicError, message: "Topic '\(topic)': \(topicError.text) (check the name with the cluster's topic list)")
        }
        guard entry.partition_cnt > 0, let partitions = entry.partitions else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "Topic '\(topic)' has no partitions")
        }
        return (0..<Int(entry.partition_cnt)).map { partitions[$0].id }.sorted()
    }

    /// Reads `partitions` of `topic`, from the first retained record or from the end, replacing
    /// any earlier assignment.
    public func assign(topic: String, partitions: [Int32], fromBeginning: Bool) throws(KafkaError) {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else {
            throw KafkaError(code: .invalidArgument, message: "Could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            let entry = rd_kafka_topic_partition_list_add(list, topic, partition)
            entry?.pointee.offset = fromBeginning ? -2 : -1  // RD_KAFKA_OFFSET_BEGINNING / _END
        }
        let err = KafkaErrorCode(rd_kafka_assign(handle, list))
        guard err == .noError else {
            throw KafkaError(code: err, message: "Could not assign \(topic) partitions \(partitions): \(err.text)")
        }
    }

    /// Waits up to `timeoutMs` for the next record; nil if none arrived. Throws consumer errors
    /// librdkafka reports (unknown topic, offset out of range...); transient connection errors
    /// are not reported here.
    public func poll(timeoutMs: Int32) throws(KafkaError) -> ConsumedRecord? {
        guard let handle else { throw KafkaError(code: .destroy, message: "The Kafka consumer is closed") }
        guard let message = rd_kafka_consumer_poll(handle, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let err = KafkaErrorCode(message.pointee.err)
        if err == .partitionEOF { return nil }
        guard err == .noError else {
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? err.text
            throw KafkaError(code: err, message: "Kafka consumer error: \(text)")
        }
        return ConsumedRecord(message)
    }
}

/// What a ``KafkaConsumer``'s librdkafka callbacks reach through the opaque: the source address of
/// its broker connections and where its log lines go.
private final class ConsumerContext: Sendable {
    let address: SourceAddress?
    let log: (@Sendable (KafkaLogRecord) -> Void)?
    let secrets: [String]

    init(address: SourceAddress?, log: (@Sendable (KafkaLogRecord) -> Void)?, secrets: [String]) {
        self.address = address
        self.log = log
        self.secrets = secrets
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ConsumerContext? {
        opaque.map { Unmanaged<ConsumerContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// `connect_cb` of a consumer with a source address: binds and connects the socket.
private let consumerConnectCallback:
    @convention(c) (Int32, UnsafePointer<sockaddr>?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Int32 = {
        fd, peer, peerLength, _, opaque in
        guard let peer, let address = ConsumerContext.from(opaque)?.address else { return EINVAL }
        return address.bindAndConnect(fd, to: peer, length: socklen_t(peerLength))
    }

/// `log_cb` of a consumer with a log handler: runs on librdkafka's threads.
private let consumerLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, message in
    guard let client, let context = ConsumerContext.from(rd_kafka_opaque(client)), let log = context.log else { return }
    let text = { (pointer: UnsafePointer<CChar>?) in
        pointer.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? ""
    }
    log(KafkaLogRecord(level: level, facility: text(facility), message: KafkaSinkConfiguration.masking(context.secrets, in: text(message))))
}
