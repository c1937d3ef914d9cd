/// The relay's state at one moment, as the metrics endpoint exposes it. Filled by the daemon from
/// the spool (persisted totals), the ingest pipeline (live counters) and the forwarder's status file.
public struct RelaySnapshot: Sendable, Equatable {
    /// Monotonic totals (since the spool was created unless noted).
    public struct Totals: Sendable, Equatable {
        /// Datagrams read from the socket.
        public var received: UInt64 = 0
        /// Frames made durable.
        public var accepted: UInt64 = 0
        /// Datagrams rejected, by reason.
        public var rejectedByReason: [String: UInt64] = [:]
        /// Frames evicted from the full ring before they were forwarded.
        public var evicted: UInt64 = 0
        /// Frames acknowledged by Kafka and removed from the spool.
        public var forwarded: UInt64 = 0
        /// Frames Kafka refused for good, moved to the dead letters.
        public var deadLettered: UInt64 = 0
        /// Gap records published for evicted ranges.
        public var gapRecords: UInt64 = 0
        /// Records produced again after a failure (this forwarder process).
        public var retries: UInt64 = 0
        /// Producers recreated after a fatal librdkafka error (this forwarder process).
        public var producerRestarts: UInt64 = 0
        /// Frames and gap records the forwarder found already in Kafka at start and skipped (this
        /// forwarder process).
        public var alreadyInKafka: UInt64 = 0
        /// Partitions (or whole topics) the forwarder's startup scan could not settle, so what they
        /// held is produced again: at-least-once for it (this forwarder process).
        public var deduplicationFallbacks: UInt64 = 0
        /// Records of this spool found at start in a partition their key no longer maps to (this
        /// forwarder process).
        public var deduplicationRemapped: UInt64 = 0
        /// Spool commits that failed and were retried (this daemon process).
        public var commitFailures: UInt64 = 0
        /// File descriptors senders passed with frames, each closed at once (this daemon process).
        public var closedDescriptors: UInt64 = 0
        /// Ingest workers started again after one died (persisted in the spool).
        public var ingestRestarts: UInt64 = 0
        /// Frames a worker crash between commit and consume may have stored twice (an upper bound; persisted).
        public var possiblyRepeated: UInt64 = 0
        /// Committed frames a new worker found queued again and removed without storing them twice (persisted).
        public var repeatsSkipped: UInt64 = 0

        /// Creates zeroed totals.
        public init() {}
    }

    /// Counters.
    public var totals = Totals()
    /// Frames stored, waiting to be forwarded.
    public var storedFrames: Int = 0
    /// Bytes of stored frames.
    public var storedBytes: Int = 0
    /// The ring's capacity in bytes.
    public var capacityBytes: Int = 0
    /// Age of the oldest frame not yet acknowledged by Kafka, in seconds (0 when none).
    public var oldestUnsentAgeSeconds: Double = 0
    /// The highest sequence Kafka acknowledged, with everything before it.
    public var ackedWatermark: UInt64 = 0
    /// Frames in the dead-letter area.
    public var deadLetters: Int = 0
    /// Whether a forwarder process is running (per its status file).
    public var forwarderRunning = false
    /// The forwarder's view of the brokers: `up`, `down` or `unknown`.
    public var brokerState = "unknown"
    /// Whether the forwarder is waiting out a backoff after a failure.
    public var backingOff = false
    /// Records produced and not yet acknowledged.
    public var inFlightFrames: Int = 0
    /// The most records allowed in flight (the configured window).
    public var inFlightWindowFrames: Int = 0
    /// Recent 99th-percentile delivery latency, seconds: from the frame's `timestamp-in` (when the DHCP
    /// server received the query) to Kafka's acknowledgement, so it includes the time spent in the spool.
    public var deliveryLatencyP99Seconds: Double = 0
    /// Valid frames received and held in memory, not yet committed (rises while the disk is full).
    public var pendingFrames: UInt64 = 0
    /// Recent 99th-percentile spool commit time, seconds.
    public var commitLatencyP99Seconds: Double = 0

    /// Creates an empty snapshot.
    public init() {}
}
