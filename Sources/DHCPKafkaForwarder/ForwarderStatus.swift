import DHCPKafkaRuntime
import Foundation
import JSONValue

/// The forwarder's live state, written to `forwarder.status` in the spool directory (at most
/// every 2 s, atomically), so `dhcpkafka spool stats` and the daemon's metrics can show it without
/// talking to the process. One type for the writer and every reader: the file is this value in
/// JSON (snake_case keys, docs/operations.md), encoded with `JSONEncoder`, decoded with `JSONDecoder`.
public struct ForwarderStatus: Codable, Sendable, Equatable {
    /// The file name inside the spool directory.
    public static let fileName = "forwarder.status"
    /// The largest status file read; the real one is well under 1 KiB.
    static let maximumFileBytes = 64 * 1024

    /// The forwarder's process id.
    public var pid: Int32
    /// When it was written, in seconds since 1970.
    public var updatedAt: Double
    /// `up`, `down: <reason>`, `authentication failed: <reason>`, … (librdkafka's view of the cluster).
    public var brokerState: String = "unknown"
    /// Whether the forwarder waits out a backoff before it retries.
    public var backingOff = false
    /// Records handed to librdkafka and not yet acknowledged.
    public var inFlight = 0
    /// The highest sequence acknowledged by Kafka.
    public var watermark: UInt64 = 0
    /// Frames forwarded since the process started (as are the other counters).
    public var forwarded: UInt64 = 0
    public var deadLettered: UInt64 = 0
    public var gapRecords: UInt64 = 0
    public var retries: UInt64 = 0
    public var possiblyPersisted: UInt64 = 0
    public var producerRestarts: UInt64 = 0
    /// Frames the startup scan found in Kafka already and skipped.
    public var alreadyInKafka: UInt64 = 0
    /// The startup scan's state (docs/forwarder.md, "No duplicates after a restart"); empty before it ran.
    public var deduplication = ""
    public var deduplicationFallbacks: UInt64 = 0
    public var deduplicationRemapped: UInt64 = 0
    /// Delivery latency percentiles in milliseconds, from receive time to Kafka's acknowledgement.
    public var deliveryLatencyP50Ms: Double = 0
    public var deliveryLatencyP99Ms: Double = 0
    /// Written once, by a forwarder that stopped with nothing left in flight: the next one need not
    /// wait for records still on their way to Kafka (docs/forwarder.md, "Records still on their way").
    public var stoppedCleanly = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case pid
        case updatedAt = "updated_at"
        case brokerState = "broker_state"
        case backingOff = "backing_off"
        case inFlight = "in_flight"
        case watermark, forwarded
        case deadLettered = "dead_lettered"
        case gapRecords = "gap_records"
        case retries
        case possiblyPersisted = "possibly_persisted"
        case producerRestarts = "producer_restarts"
        case alreadyInKafka = "already_in_kafka"
        case deduplication
        case deduplicationFallbacks = "deduplication_fallbacks"
        case deduplicationRemapped = "deduplication_remapped"
        case deliveryLatencyP50Ms = "delivery_latency_p50_ms"
        case deliveryLatencyP99Ms = "delivery_latency_p99_ms"
        case stoppedCleanly = "stopped_cleanly"
    }

    /// A status with only the process and time set.
    public init(pid: Int32, updatedAt: Double) {
        self.pid = pid
        self.updatedAt = updatedAt
    }

    /// The current state of `counters`, for this process, now.
    init(_ counters: ForwarderCounters) {
        self.init(pid: getpid(), updatedAt: Date().timeIntervalSince1970)
        brokerState = counters.brokerState
        backingOff = counters.backingOff
        inFlight = counters.inFlight
        watermark = counters.watermark
        forwarded = counters.forwarded
        deadLettered = counters.deadLettered
        gapRecords = counters.gapRecords
        retries = counters.retries
        possiblyPersisted = counters.possiblyPersisted
        producerRestarts = counters.producerRestarts
        alreadyInKafka = counters.alreadyInKafka
        deduplication = counters.deduplicationState
        deduplicationFallbacks = counters.deduplicationFallbacks
        deduplicationRemapped = counters.deduplicationRemapped
        deliveryLatencyP50Ms = Double(counters.deliveryLatency.percentile(50) ?? 0) / 1000
        deliveryLatencyP99Ms = Double(counters.deliveryLatency.percentile(99) ?? 0) / 1000
    }

    /// Decodes a file written by this or an earlier version: `pid` and `updated_at` are required,
    /// every other field defaults to "nothing happened" when it is missing (an earlier forwarder
    /// wrote fewer fields).
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        pid = try values.decode(Int32.self, forKey: .pid)
        updatedAt = try values.decode(Double.self, forKey: .updatedAt)
        func field<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try values.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        brokerState = try field(.brokerState, brokerState)
        backingOff = try field(.backingOff, backingOff)
        inFlight = try field(.inFlight, inFlight)
        watermark = try field(.watermark, watermark)
        forwarded = try field(.forwarded, forwarded)
        deadLettered = try field(.deadLettered, deadLettered)
        gapRecords = try field(.gapRecords, gapRecords)
        retries = try field(.retries, retries)
        possiblyPersisted = try field(.possiblyPersisted, possiblyPersisted)
        producerRestarts = try field(.producerRestarts, producerRestarts)
        alreadyInKafka = try field(.alreadyInKafka, alreadyInKafka)
        deduplication = try field(.deduplication, deduplication)
        deduplicationFallbacks = try field(.deduplicationFallbacks, deduplicationFallbacks)
        deduplicationRemapped = try field(.deduplicationRemapped, deduplicationRemapped)
        deliveryLatencyP50Ms = try field(.deliveryLatencyP50Ms, deliveryLatencyP50Ms)
        deliveryLatencyP99Ms = try field(.deliveryLatencyP99Ms, deliveryLatencyP99Ms)
        stoppedCleanly = try field(.stoppedCleanly, stoppedCleanly)
    }

    /// The fields in the file's order, for `--json` output that keeps its key order.
    public var jsonMembers: [(String, JSONValue)] {
        [
            ("pid", .int(Int64(pid))), ("updated_at", .double(updatedAt)),
            ("broker_state", .string(brokerState)), ("backing_off", .bool(backingOff)),
            ("in_flight", .int(Int64(inFlight))), ("watermark", .uint(watermark)),
            ("forwarded", .uint(forwarded)), ("dead_lettered", .uint(deadLettered)),
            ("gap_records", .uint(gapRecords)), ("retries", .uint(retries)),
            ("possibly_persisted", .uint(possiblyPersisted)), ("producer_restarts", .uint(producerRestarts)),
            ("already_in_kafka", .uint(alreadyInKafka)), ("deduplication", .string(deduplication)),
            ("deduplication_fallbacks", .uint(deduplicationFallbacks)),
            ("deduplication_remapped", .uint(deduplicationRemapped)),
            ("delivery_latency_p50_ms", .double(deliveryLatencyP50Ms)),
            ("delivery_latency_p99_ms", .double(deliveryLatencyP99Ms)),
            ("stopped_cleanly", .bool(stoppedCleanly)),
        ]
    }

    /// Writes the current state of `counters` (best effort: a status that cannot be written only
    /// leaves `spool stats` with an older one).
    static func write(_ counters: ForwarderCounters, spoolPath: String, stoppedCleanly: Bool = false) {
        let url = URL(fileURLWithPath: spoolPath).appendingPathComponent(fileName)
        var status = ForwarderStatus(counters)
        status.stoppedCleanly = stoppedCleanly
        guard let data = try? JSONEncoder().encode(status) else { return }
        try? data.write(to: url, options: .atomic)
    }

    /// The state last written for the spool at `spoolPath`, with `running` telling whether the
    /// process that wrote it is still alive; nil when there is none or it is not a status file.
    public static func read(spoolPath: String) -> (status: ForwarderStatus, running: Bool)? {
        let url = URL(fileURLWithPath: spoolPath).appendingPathComponent(fileName)
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumFileBytes),
            let status = try? JSONDecoder().decode(ForwarderStatus.self, from: data)
        else { return nil }
        // EPERM: the process exists but belongs to another user (an operator reading a service's spool).
        return (status, status.pid > 0 && (kill(status.pid, 0) == 0 || errno == EPERM))
    }
}
