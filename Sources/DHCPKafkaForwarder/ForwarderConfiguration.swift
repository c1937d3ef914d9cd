import DHCPKafkaSink

/// How the forwarder publishes the spool to Kafka.
public struct ForwarderConfiguration: Sendable {
    /// Brokers, topic, source address and librdkafka properties.
    public var sink: KafkaSinkConfiguration
    /// The name this relay labels its own records (gap records, headers) with; default: the host's FQDN.
    public var serverName: String
    /// What the record key is.
    public var key: RecordKey
    /// The most records produced but not yet acknowledged. Bounds memory and the duplicates a
    /// crash can cause.
    public var maxInFlightFrames: Int
    /// The most frame bytes produced but not yet acknowledged.
    public var maxInFlightBytes: Int
    /// Retry delays after failures grow from `backoffMin` to `backoffMax` (doubling, full jitter).
    public var backoffMin: Duration
    /// See `backoffMin`.
    public var backoffMax: Duration
    /// On SIGTERM, how long to wait for records in flight to be acknowledged.
    public var shutdownTimeout: Duration
    /// What to do when Kafka rejects the destination (topic missing, not authorised): keep the
    /// frames and retry (default), or move each frame to the dead letters.
    public var onDestinationError: DestinationErrorPolicy
    /// At start, the most records read back per partition to find what Kafka already holds of
    /// this spool (docs/forwarder.md, "No duplicates after a restart"); a partition not settled
    /// within it falls back to at-least-once for what it may hold.
    public var deduplicationScanLimit: Int64 = 100_000
    /// At start after a forwarder that did not stop cleanly, how long no record of this spool must
    /// arrive before the scan trusts what it read (docs/forwarder.md, "Records still on their way").
    public var deduplicationQuietPeriod: Duration = .seconds(3)

    /// Makes a configuration with the defaults documented in docs/forwarder.md.
    public init(
        sink: KafkaSinkConfiguration, serverName: String, key: RecordKey = .clientDUID, maxInFlightFrames: Int = 10_000,
        maxInFlightBytes: Int = 8 << 20, backoffMin: Duration = .milliseconds(100), backoffMax: Duration = .seconds(30),
        shutdownTimeout: Duration = .seconds(10), onDestinationError: DestinationErrorPolicy = .retry
    ) {
        self.sink = sink
        self.serverName = serverName
        self.key = key
        self.maxInFlightFrames = max(maxInFlightFrames, 1)
        self.maxInFlightBytes = max(maxInFlightBytes, 1)
        self.backoffMin = backoffMin
        self.backoffMax = max(backoffMax, backoffMin)
        self.shutdownTimeout = shutdownTimeout
        self.onDestinationError = onDestinationError
    }
}

/// The Kafka record key.
public enum RecordKey: String, Sendable, CaseIterable {
    /// No key: records spread over partitions; no ordering between any two records.
    case none
    /// The DHCP server name: one server's records stay in order, in one partition.
    case serverName = "server-name"
    /// The client DUID (server name when a frame has none): one client's transactions stay in
    /// order in one partition, which is what a looking glass following a client needs. Default.
    case clientDUID = "client-duid"
}

/// What to do with frames when Kafka rejects the destination rather than the record.
public enum DestinationErrorPolicy: String, Sendable, CaseIterable {
    /// Keep the frames in the spool and retry with backoff: nothing moves while the operator fixes
    /// the topic or ACL, and everything flows once it is fixed.
    case retry
    /// Move each rejected frame to the dead letters (`dhcpkafka spool dead …`).
    case deadLetter = "dead-letter"
}
