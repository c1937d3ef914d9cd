import DHCPKafkaRuntime
import Foundation
import JSONValue

/// The forwarder's live state, written to `forwarder.status` in the spool directory (at most
/// every 2 s, atomically), so `dhcpkafka spool stats` can show it without talking to the process.
public enum ForwarderStatus {
    /// The file name inside the spool directory.
    public static let fileName = "forwarder.status"

    /// Writes the current state of `counters`.
    static func write(_ counters: ForwarderCounters, spoolPath: String) {
        let status: JSONValue = .object([
            ("pid", .int(Int64(getpid()))), ("updated_at", .double(Date().timeIntervalSince1970)),
            ("broker_state", .string(counters.brokerState)), ("backing_off", .bool(counters.backingOff)),
            ("in_flight", .int(Int64(counters.inFlight))), ("watermark", .uint(counters.watermark)),
            ("forwarded", .uint(counters.forwarded)), ("dead_lettered", .uint(counters.deadLettered)),
            ("gap_records", .uint(counters.gapRecords)), ("retries", .uint(counters.retries)),
            ("possibly_persisted", .uint(counters.possiblyPersisted)),
            ("producer_restarts", .uint(counters.producerRestarts)),
            ("already_in_kafka", .uint(counters.alreadyInKafka)),
            ("deduplication", .string(counters.deduplicationState)),
            ("deduplication_fallbacks", .uint(counters.deduplicationFallbacks)),
            ("deduplication_remapped", .uint(counters.deduplicationRemapped)),
            ("delivery_latency_p50_ms", .double(Double(counters.deliveryLatency.percentile(50) ?? 0) / 1000)),
            ("delivery_latency_p99_ms", .double(Double(counters.deliveryLatency.percentile(99) ?? 0) / 1000)),
        ])
        let url = URL(fileURLWithPath: spoolPath).appendingPathComponent(fileName)
        try? Data(status.compactText.utf8).write(to: url, options: .atomic)
    }

    /// The state last written for the spool at `spoolPath`, with `running` telling whether the
    /// process that wrote it is still alive; nil when there is none.
    public static func read(spoolPath: String) -> (status: JSONValue, running: Bool)? {
        let url = URL(fileURLWithPath: spoolPath).appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url), let status = try? JSONValue.parse(String(decoding: data, as: UTF8.self))
        else { return nil }
        let pid = Int32(status["pid"]?.intValue ?? 0)
        return (status, pid > 0 && kill(pid, 0) == 0)
    }
}
