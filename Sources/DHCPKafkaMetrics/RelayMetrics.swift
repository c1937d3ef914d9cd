import CoreMetrics
import Prometheus
import Synchronization

/// The relay's metrics, kept in swift-metrics objects backed by a Prometheus registry.
///
/// The numbers live in the spool and the forwarder's status file, so they are refreshed from a
/// ``RelaySnapshot`` when Prometheus scrapes, not pushed per frame: nothing here is on the path
/// of a frame. Totals become counters (increased by the change since the last scrape), the rest gauges.
public final class RelayMetrics: Sendable {
    /// The registry the endpoint renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let lastTotals = Mutex<[String: UInt64]>([:])

    /// Creates the metrics in a fresh registry (injectable for tests; nothing global is bootstrapped).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Brings every metric up to `snapshot`.
    public func update(_ snapshot: RelaySnapshot) {
        let totals = snapshot.totals
        count("dhcpkafka_received_frames_total", totals.received)
        count("dhcpkafka_accepted_frames_total", totals.accepted)
        for (reason, value) in totals.rejectedByReason {
            count("dhcpkafka_rejected_frames_total", value, [("reason", reason)])
        }
        count("dhcpkafka_evicted_frames_total", totals.evicted)
        count("dhcpkafka_forwarded_frames_total", totals.forwarded)
        count("dhcpkafka_dead_lettered_frames_total", totals.deadLettered)
        count("dhcpkafka_gap_records_total", totals.gapRecords)
        count("dhcpkafka_produce_retries_total", totals.retries)
        count("dhcpkafka_producer_restarts_total", totals.producerRestarts)
        count("dhcpkafka_already_in_kafka_total", totals.alreadyInKafka)
        count("dhcpkafka_deduplication_fallbacks_total", totals.deduplicationFallbacks)
        count("dhcpkafka_deduplication_remapped_total", totals.deduplicationRemapped)
        count("dhcpkafka_spool_commit_failures_total", totals.commitFailures)
        count("dhcpkafka_closed_descriptors_total", totals.closedDescriptors)
        count("dhcpkafka_ingest_worker_restarts_total", totals.ingestRestarts)
        count("dhcpkafka_possibly_repeated_frames_total", totals.possiblyRepeated)
        count("dhcpkafka_ingest_repeats_skipped_total", totals.repeatsSkipped)
        gauge("dhcpkafka_ingest_pending_frames", Double(snapshot.pendingFrames))
        gauge("dhcpkafka_spool_stored_frames", Double(snapshot.storedFrames))
        gauge("dhcpkafka_spool_stored_bytes", Double(snapshot.storedBytes))
        gauge("dhcpkafka_spool_capacity_bytes", Double(snapshot.capacityBytes))
        gauge("dhcpkafka_spool_oldest_unsent_age_seconds", snapshot.oldestUnsentAgeSeconds)
        gauge("dhcpkafka_spool_acked_watermark", Double(snapshot.ackedWatermark))
        gauge("dhcpkafka_spool_dead_letters", Double(snapshot.deadLetters))
        gauge("dhcpkafka_spool_commit_latency_p99_seconds", snapshot.commitLatencyP99Seconds)
        gauge("dhcpkafka_forwarder_up", snapshot.forwarderRunning ? 1 : 0)
        for state in ["up", "down", "authentication_failed", "unknown"] {
            gauge("dhcpkafka_broker_state", snapshot.brokerState == state ? 1 : 0, [("state", state)])
        }
        gauge("dhcpkafka_forwarder_backing_off", snapshot.backingOff ? 1 : 0)
        gauge("dhcpkafka_forwarder_in_flight_frames", Double(snapshot.inFlightFrames))
        gauge("dhcpkafka_forwarder_in_flight_window_frames", Double(snapshot.inFlightWindowFrames))
        gauge("dhcpkafka_forwarder_delivery_latency_p99_seconds", snapshot.deliveryLatencyP99Seconds)
    }

    /// Brings the endpoint's own counters up to date: connections it cut off and `accept` failures.
    public func update(endpoint counters: MetricsEndpointCounters) {
        count("dhcpkafka_metrics_connections_dropped_total", counters.evicted, [("reason", "evicted")])
        count("dhcpkafka_metrics_connections_dropped_total", counters.timedOut, [("reason", "timeout")])
        count("dhcpkafka_metrics_connections_dropped_total", counters.refused, [("reason", "busy")])
        count("dhcpkafka_metrics_accept_errors_total", counters.acceptErrors)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] { registry.emitToBuffer() }

    private func count(_ name: String, _ total: UInt64, _ labels: [(String, String)] = []) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let increase = lastTotals.withLock { last -> UInt64 in
            // A total that went down (a spool recreated under a running daemon) starts over from it.
            let previous = last[key] ?? 0
            last[key] = total
            return total >= previous ? total - previous : total
        }
        let counter = Counter(label: name, dimensions: labels, factory: factory)
        counter.increment(by: Int64(clamping: increase))
    }

    private func gauge(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }
}
