import Foundation
import LookingGlassCollector
import LookingGlassStore
import LookingGlassWeb

/// `/healthz`: healthy while the collector loop keeps turning (it stamps every poll, busy or idle).
enum Health {
    static func check(_ counters: CollectorCounters.Snapshot) -> (healthy: Bool, detail: String) {
        let age = Date().timeIntervalSince1970 - counters.lastBatchAt
        if counters.lastBatchAt > 0, age > 60 {
            return (false, "the collector has not polled Kafka for \(Int(age)) s; last error: \(counters.lastError)")
        }
        if !counters.lastError.isEmpty, counters.storeFailures > 0, counters.lastError.hasPrefix("Could not store") {
            return (false, counters.lastError)
        }
        return (true, "")
    }
}

/// `/metrics` in the Prometheus text format.
enum Metrics {
    static func text(_ c: CollectorCounters.Snapshot, store: any LookingGlassStore, feed: LiveFeed) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        metric("lookingglass_records_total", "counter", "Kafka records read.", [("", Double(c.records))])
        metric("lookingglass_transactions_stored_total", "counter", "Transactions stored.", [("", Double(c.inserted))])
        metric(
            "lookingglass_transactions_duplicate_total", "counter", "Redelivered transactions recognised and skipped.",
            [("", Double(c.duplicates))])
        metric("lookingglass_gap_records_total", "counter", "Gap records stored.", [("", Double(c.gaps))])
        metric(
            "lookingglass_undecodable_total", "counter", "Undecodable records, by reason.",
            c.undecodable.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", Double($0.value)) })
        metric("lookingglass_store_failures_total", "counter", "Batches the store failed to write.", [("", Double(c.storeFailures))])
        metric("lookingglass_commit_failures_total", "counter", "Failed offset commits.", [("", Double(c.commitFailures))])
        metric("lookingglass_consumer_errors_total", "counter", "Kafka consumer errors.", [("", Double(c.consumerErrors))])
        metric(
            "lookingglass_consumer_lag", "gauge", "Records behind the high watermark, per partition.",
            c.lag.sorted { $0.key < $1.key }.map { ("{partition=\"\($0.key)\"}", Double($0.value)) })
        metric("lookingglass_live_subscribers", "gauge", "Live-tail clients.", [("", Double(feed.subscriberCount))])
        if let stats = try? store.statistics() {
            metric("lookingglass_store_bytes", "gauge", "Database size on disk (file, WAL, shared memory).", [("", Double(stats.bytesOnDisk))])
            metric("lookingglass_store_transactions", "gauge", "Stored transactions.", [("", Double(stats.transactions))])
            metric("lookingglass_store_clients", "gauge", "Known clients.", [("", Double(stats.clients))])
            metric("lookingglass_store_leases", "gauge", "Lease intervals kept.", [("", Double(stats.leases))])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
