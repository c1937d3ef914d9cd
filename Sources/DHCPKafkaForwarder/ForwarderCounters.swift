import DHCPKafkaSink
import DHCPKafkaRuntime
import Synchronization

/// What the forwarder did since it started, and its current state; safe to read from any thread.
public final class ForwarderCounters: Sendable {
    let forwardedCount = Atomic<UInt64>(0)
    let gapRecordCount = Atomic<UInt64>(0)
    let deadLetterCount = Atomic<UInt64>(0)
    let retryCount = Atomic<UInt64>(0)
    let producerRestartCount = Atomic<UInt64>(0)
    let inFlightCount = Atomic<Int>(0)
    let watermarkValue = Atomic<UInt64>(0)
    let possiblyPersistedCount = Atomic<UInt64>(0)
    let alreadyInKafkaCount = Atomic<UInt64>(0)
    let deduplicationFallbackCount = Atomic<UInt64>(0)
    let deduplicationRemappedCount = Atomic<UInt64>(0)
    let deduplicationStateText = Mutex<String>("not started")
    /// Seconds from timestamp-in (when the DHCP server received the message) to Kafka's acknowledgement.
    public let deliveryLatency = LatencySamples()
    private let stateText = Mutex<(broker: String, backingOff: Bool)>(("unknown", false))

    /// Makes zeroed counters.
    public init() {}

    /// Frames acknowledged by Kafka and removed from the spool.
    public var forwarded: UInt64 { forwardedCount.load(ordering: .relaxed) }
    /// Gap records acknowledged by Kafka.
    public var gapRecords: UInt64 { gapRecordCount.load(ordering: .relaxed) }
    /// Frames moved to the dead letters.
    public var deadLettered: UInt64 { deadLetterCount.load(ordering: .relaxed) }
    /// Times the forwarder rewound and produced again after failures.
    public var retries: UInt64 { retryCount.load(ordering: .relaxed) }
    /// Times the producer was recreated after a fatal error.
    public var producerRestarts: UInt64 { producerRestartCount.load(ordering: .relaxed) }
    /// Records produced again that Kafka may already hold, so they may appear twice in Kafka (same
    /// spool and sequence headers): failed deliveries reported *possibly persisted*, acknowledged
    /// records produced again by a rewind (to keep partition order; certain duplicates), and records
    /// in flight with a producer recreated after a fatal error.
    public var possiblyPersisted: UInt64 { possiblyPersistedCount.load(ordering: .relaxed) }
    /// Records produced and not yet acknowledged.
    public var inFlight: Int { inFlightCount.load(ordering: .relaxed) }
    /// The acknowledged watermark (every sequence ≤ it left the spool).
    public var watermark: UInt64 { watermarkValue.load(ordering: .relaxed) }
    /// `up`, `down: reason` or `unknown`.
    public var brokerState: String { stateText.withLock { $0.broker } }
    /// Whether the forwarder is waiting before a retry.
    public var backingOff: Bool { stateText.withLock { $0.backingOff } }

    func setBrokerState(_ state: BrokerState) { stateText.withLock { $0.broker = state.description } }
    func setBackingOff(_ value: Bool) { stateText.withLock { $0.backingOff = value } }
}
