import DHCPKafkaForwarder
import DHCPKafkaMetrics
import DHCPKafkaRuntime
import DHCPKafkaSpool
import Foundation
import JSONValue

/// Builds the daemon's ``RelaySnapshot`` at scrape time from the spool (persisted totals, backlog),
/// the ingest pipeline's live counters and the forwarder's status file.
struct MetricsSource: Sendable {
    let spool: Spool
    let counters: IngestCounters
    let inFlightWindowFrames: Int

    func snapshot(now: Double = Date().timeIntervalSince1970) -> RelaySnapshot {
        var snapshot = RelaySnapshot()
        snapshot.totals.commitFailures = counters.commitFailures
        snapshot.totals.closedDescriptors = counters.closedDescriptors
        snapshot.pendingFrames = counters.pendingFrames
        snapshot.commitLatencyP99Seconds = Double(counters.commitLatency.percentile(99) ?? 0) / 1e6
        snapshot.inFlightWindowFrames = inFlightWindowFrames
        if let stats = try? spool.stats() {
            snapshot.totals.received = stats.counters["received"] ?? 0
            snapshot.totals.accepted = stats.appendedFrames
            snapshot.totals.evicted = stats.lostFrames
            snapshot.totals.forwarded = stats.counters["forwarded"] ?? 0
            snapshot.totals.gapRecords = stats.counters["gap_records"] ?? 0
            snapshot.totals.ingestRestarts = stats.counters["ingest_restarts"] ?? 0
            snapshot.totals.possiblyRepeated = stats.counters["possibly_repeated"] ?? 0
            snapshot.totals.repeatsSkipped = stats.counters["repeats_skipped"] ?? 0
            for (key, value) in stats.counters where key.hasPrefix("rejected.") {
                snapshot.totals.rejectedByReason[String(key.dropFirst("rejected.".count))] = value
            }
            snapshot.storedFrames = stats.storedFrames
            snapshot.storedBytes = stats.storedBytes
            snapshot.capacityBytes = stats.capacityBytes
            // Every stored frame is unsent: acknowledged frames leave the spool with the watermark.
            snapshot.oldestUnsentAgeSeconds = stats.oldestReceiveTime.map { max(0, now - Double($0) / 1e9) } ?? 0
            snapshot.ackedWatermark = stats.ackedWatermark
            snapshot.deadLetters = stats.deadLetters
        }
        if let (status, running) = ForwarderStatus.read(spoolPath: spool.path) {
            snapshot.forwarderRunning = running
            // The status says "down: <reason>" or "authentication failed: <reason>"; the metric has
            // the states only.
            let state = status.brokerState
            snapshot.brokerState = !running ? "unknown" : state.hasPrefix("down") ? "down"
                : state.hasPrefix("authentication failed") ? "authentication_failed" : state
            snapshot.backingOff = running && status.backingOff
            snapshot.inFlightFrames = running ? status.inFlight : 0
            snapshot.totals.deadLettered = status.deadLettered
            snapshot.totals.retries = status.retries
            snapshot.totals.producerRestarts = status.producerRestarts
            snapshot.totals.alreadyInKafka = status.alreadyInKafka
            snapshot.totals.deduplicationFallbacks = status.deduplicationFallbacks
            snapshot.totals.deduplicationRemapped = status.deduplicationRemapped
            snapshot.deliveryLatencyP99Seconds = status.deliveryLatencyP99Ms / 1000
        }
        return snapshot
    }
}
