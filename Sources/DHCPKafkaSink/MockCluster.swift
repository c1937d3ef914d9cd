import CRdKafka

/// librdkafka's built-in mock Kafka cluster, listening on 127.0.0.1 TCP ports, for tests and
/// development. Owns the `rd_kafka_mock_cluster_t` and the `rd_kafka_t` librdkafka needs to host it.
///
/// librdkafka 2.0.2 limitations worth knowing:
/// - Each partition keeps only about 5 MiB (and at most 100 000 records); older records are dropped
///   silently, so keep test volumes small or consumers will miss the beginning.
/// - Topics are auto-created on first use with librdkafka's defaults unless created explicitly with
///   ``createTopic(_:partitions:replicationFactor:)``; the CreateTopics admin API is not supported.
/// - ``setBrokerDown(_:)`` closes connections and refuses new ones but does not move partition
///   leadership; use ``setPartitionLeader(topic:partition:broker:)`` for that.
/// - The mock API is marked experimental by librdkafka and may change between versions.
public final class MockCluster {
    private var client: OpaquePointer?
    private var cluster: OpaquePointer?

    /// Starts a cluster of `brokers` brokers with ids 1…`brokers`.
    public init(brokers: Int = 1) throws(KafkaConfigurationError) {
        guard (1...64).contains(brokers) else {
            throw KafkaConfigurationError(code: .invalidValue, message: "A mock cluster needs 1-64 brokers, not \(brokers).")
        }
        let conf = KafkaConf()
        try conf.set("log_level", "3")
        let client = try conf.makeClient(RD_KAFKA_PRODUCER)
        guard let cluster = rd_kafka_mock_cluster_new(client, Int32(brokers)) else {
            rd_kafka_destroy(client)
            throw KafkaConfigurationError(
                code: .clientCreationFailed, message: "librdkafka could not start a mock cluster (no free ports?).")
        }
        self.client = client
        self.cluster = cluster
    }

    deinit { close() }

    /// Stops the brokers and frees the cluster; clients still connected see their connections drop.
    /// Calling it again does nothing.
    public func close() {
        if let cluster { rd_kafka_mock_cluster_destroy(cluster) }
        if let client { rd_kafka_destroy(client) }
        cluster = nil
        client = nil
    }

    /// The brokers' `host:port` list, comma-separated, for `bootstrap.servers`.
    public var bootstrapServers: String {
        guard let cluster, let text = rd_kafka_mock_cluster_bootstraps(cluster) else { return "" }
        return String(cString: text)
    }

    /// The brokers as a list, for ``KafkaSinkConfiguration/brokers``.
    public var brokers: [String] { bootstrapServers.split(separator: ",").map(String.init) }

    /// Creates a topic.
    public func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 1) throws(KafkaError) {
        try run("create mock topic '\(name)'") {
            rd_kafka_mock_topic_create($0, name, Int32(partitions), Int32(replicationFactor))
        }
    }

    /// Disconnects broker `id` (or all with -1) and refuses new connections until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try run("set mock broker \(id) down") { rd_kafka_mock_broker_set_down($0, id) }
    }

    /// Makes broker `id` (or all with -1) accept connections again.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try run("set mock broker \(id) up") { rd_kafka_mock_broker_set_up($0, id) }
    }

    /// Delays every response of broker `id` (or all with -1) by `ms` milliseconds.
    public func setRTT(broker id: Int32, ms: Int32) throws(KafkaError) {
        try run("set mock broker \(id) RTT") { rd_kafka_mock_broker_set_rtt($0, id, ms) }
    }

    /// Makes the next `errors.count` requests with `apiKey` (Produce is 0) fail with these errors,
    /// in order. `_TRANSPORT` makes the broker drop the connection instead.
    public func pushRequestErrors(apiKey: Int16, errors: [KafkaErrorCode]) {
        guard let cluster else { return }
        let codes = errors.map(\.cValue)
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, codes)
    }

    /// Forgets errors pushed for `apiKey` that were not used yet.
    public func clearRequestErrors(apiKey: Int16) {
        guard let cluster else { return }
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    /// Moves the leadership of a partition (creating the topic if needed); -1 makes it leader-less.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try run("set leader of \(topic)/\(partition)") {
            rd_kafka_mock_partition_set_leader($0, topic, partition, broker)
        }
    }

    /// Makes metadata requests for `topic` answer with `error` (e.g. `TOPIC_AUTHORIZATION_FAILED`);
    /// ``KafkaErrorCode/noError`` clears it.
    public func setTopicError(_ topic: String, _ error: KafkaErrorCode) {
        guard let cluster else { return }
        rd_kafka_mock_topic_set_error(cluster, topic, error.cValue)
    }

    /// The Kafka protocol API key of Produce requests.
    public static let produceAPIKey: Int16 = 0

    private func run(_ what: String, _ call: (OpaquePointer) -> rd_kafka_resp_err_t) throws(KafkaError) {
        guard let cluster else { throw KafkaError(code: .destroy, message: "Cannot \(what): the mock cluster is closed") }
        let err = call(cluster)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: KafkaErrorCode(err), message: "Cannot \(what): \(KafkaErrorCode(err).text)")
        }
    }
}
