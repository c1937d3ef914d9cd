import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaForwarder
import DHCPKafkaSpool
import Foundation
import JSONValue

/// `dhcpkafka spool stats`: counters and state of a spool, from short read transactions.
struct SpoolStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print a spool's counters: stored, accepted, rejected, evicted, oldest unsent frame, rates.",
        discussion: """
            Capacity use is stored bytes over the capacity the daemon was started with. The oldest \
            unsent frame is the oldest stored frame above the acked watermark: its age is how far the \
            forwarder is behind. Ingest and forward rates (frames/s) come from reading the counters \
            twice, --interval seconds apart (default 1; --interval 0 prints them as null, and returns at \
            once). Safe while the daemon runs: each sample is one short read transaction.
            """)

    @OptionGroup var location: SpoolLocation

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: ArgumentHelp(
        "Seconds between the two samples that give the ingest and forward rates; 0 skips the rates.",
        discussion: "The counters hold no timestamps, so rates come from reading them twice."))
    var interval = 1.0

    func validate() throws {
        guard interval >= 0, interval <= 3600 else { throw ValidationError("--interval must be 0…3600 seconds") }
    }

    func run() throws {
        let view = try withSpoolReader(location.spool) { spool in
            // Each sample is one short read transaction; nothing is held open while waiting.
            var rates: SpoolRates?
            var stats = try spool.stats()
            if interval > 0 {
                let first = (stats: stats, at: ContinuousClock.now)
                Thread.sleep(forTimeInterval: interval)
                stats = try spool.stats()
                rates = SpoolRates(from: first.stats, to: stats, seconds: (ContinuousClock.now - first.at).seconds)
            }
            let unsent = try spool.read(from: stats.ackedWatermark &+ 1, maxFrames: 1).first
            return SpoolStatsView(stats: stats, now: Date().timeIntervalSince1970,
                                  forwarder: ForwarderStatus.read(spoolPath: location.spool),
                                  oldestUnsent: unsent.map { ($0.sequence, $0.receiveTime) }, rates: rates)
        }
        print(json ? view.json.prettyText : view.text)
    }
}

/// Frames per second between two samples of the counters.
struct SpoolRates {
    /// Accepted frames per second.
    let ingest: Double
    /// Frames removed as delivered to Kafka per second.
    let forward: Double
    /// Seconds between the samples.
    let seconds: Double

    init(from old: SpoolStats, to new: SpoolStats, seconds: Double) {
        let elapsed = max(seconds, 1e-6)
        let forwarded = { (stats: SpoolStats) in Double(stats.counters["forwarded"] ?? 0) }
        ingest = Double(new.appendedFrames &- old.appendedFrames) / elapsed
        forward = max(0, forwarded(new) - forwarded(old)) / elapsed
        self.seconds = seconds
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// The fields of `spool stats`, shared by its text and JSON forms.
struct SpoolStatsView {
    let stats: SpoolStats
    let now: Double
    /// The forwarder's last written state and whether it is still running.
    let forwarder: (status: ForwarderStatus, running: Bool)?
    /// The oldest stored frame above the acked watermark (sequence, receive time in ns): the next to send.
    var oldestUnsent: (sequence: UInt64, receiveTime: UInt64)? = nil
    /// Rates from two samples, nil with `--interval 0`.
    var rates: SpoolRates? = nil

    var oldestUnsentAge: Double? {
        oldestUnsent.map { max(0, now - Double($0.receiveTime) / 1e9) }
    }

    var capacityPercent: Double {
        stats.capacityBytes > 0 ? Double(stats.storedBytes) * 100 / Double(stats.capacityBytes) : 0
    }

    var oldestAge: Double? {
        stats.oldestReceiveTime.map { max(0, now - Double($0) / 1e9) }
    }

    var rejected: [(String, UInt64)] {
        stats.counters.filter { $0.key.hasPrefix("rejected.") }
            .map { (String($0.key.dropFirst("rejected.".count)), $0.value) }
            .sorted { $0.0 < $1.0 }
    }

    var json: JSONValue {
        let rejectedTotal = rejected.reduce(0) { $0 + $1.1 }
        return .object(original(rejectedTotal: rejectedTotal) + inspection)
    }

    private func original(rejectedTotal: UInt64) -> [(String, JSONValue)] {
        func optional(_ value: UInt64?) -> JSONValue { value.map { .uint($0) } ?? .null }
        return [
            ("spool_identity", .string(stats.identity)),
            ("spool_epoch", .uint(stats.epoch)),
            ("durability", .string(stats.durability)),
            ("capacity_bytes", .int(Int64(stats.capacityBytes))),
            ("capacity_frames", stats.capacityFrames.map { .int(Int64($0)) } ?? .null),
            ("stored_frames", .int(Int64(stats.storedFrames))),
            ("stored_bytes", .int(Int64(stats.storedBytes))),
            ("capacity_used", .double(stats.capacityBytes > 0 ? Double(stats.storedBytes) / Double(stats.capacityBytes) : 0)),
            ("oldest_sequence", optional(stats.oldestSequence)),
            ("oldest_age_seconds", oldestAge.map { .double($0) } ?? .null),
            ("newest_sequence", optional(stats.newestSequence)),
            ("next_sequence", .uint(stats.nextSequence)),
            ("received", .uint(stats.counters["received"] ?? 0)),
            ("accepted", .uint(stats.appendedFrames)),
            ("rejected", .uint(rejectedTotal)),
            ("rejected_by_reason", .object(rejected.map { ($0.0, .uint($0.1)) })),
            ("evicted_frames", .uint(stats.evictedFrames)),
            ("evicted_bytes", .uint(stats.evictedBytes)),
            ("lost_frames", .uint(stats.lostFrames)),
            ("evicted_delivered_frames", .uint(stats.evictedDeliveredFrames)),
            ("pending_gap_frames", .uint(stats.pendingGapFrames)),
            ("forwarded", .uint(stats.counters["forwarded"] ?? 0)),
            ("gap_records", .uint(stats.counters["gap_records"] ?? 0)),
            ("acked_watermark", .uint(stats.ackedWatermark)),
            ("dead_letters", .int(Int64(stats.deadLetters))),
            ("dead_letters_dropped", .uint(stats.deadLettersDropped)),
            ("pending_gaps", .int(Int64(stats.pendingGaps))),
            ("forwarder", forwarder.map { .object([("running", .bool($0.running))] + $0.status.jsonMembers) } ?? .null),
            ("map_size_bytes", .int(Int64(stats.mapSize))),
            ("file_size_bytes", .int(Int64(stats.fileSize))),
        ]
    }

    /// The keys added for inspection, after the original ones so their order stays stable.
    private var inspection: [(String, JSONValue)] {
        func optional(_ value: UInt64?) -> JSONValue { value.map { .uint($0) } ?? .null }
        return [
            ("capacity_used_percent", .double((capacityPercent * 100).rounded() / 100)),
            ("oldest_unsent_sequence", optional(oldestUnsent?.sequence)),
            ("oldest_unsent_age_seconds", oldestUnsentAge.map { .double($0) } ?? .null),
            ("ingest_frames_per_second", rates.map { .double(($0.ingest * 10).rounded() / 10) } ?? .null),
            ("forward_frames_per_second", rates.map { .double(($0.forward * 10).rounded() / 10) } ?? .null),
            ("rate_interval_seconds", rates.map { .double(($0.seconds * 1000).rounded() / 1000) } ?? .null),
            ("ingest_restarts", .uint(stats.counters["ingest_restarts"] ?? 0)),
            ("possibly_repeated", .uint(stats.counters["possibly_repeated"] ?? 0)),
            ("repeats_skipped", .uint(stats.counters["repeats_skipped"] ?? 0)),
        ]
    }

    var forwarderLine: String {
        guard let (status, running) = forwarder else { return "never ran on this spool" }
        let age = now - status.updatedAt
        let broker = status.brokerState.escapedForDisplay
        guard running else {
            // A stopped forwarder's last state is history, not the broker's state now.
            return "not running (last seen \(String(format: "%.0f", age)) s ago, when Kafka was \(broker))"
        }
        return "running (pid \(status.pid)), Kafka \(broker)"
            + (status.backingOff ? ", backing off" : "")
            + ", \(status.inFlight) in flight, delivery p99 \(status.deliveryLatencyP99Ms) ms"
    }

    /// The forwarder's startup scan for what Kafka already holds of this spool (docs/forwarder.md).
    var deduplicationLine: String {
        guard let (status, _) = forwarder, !status.deduplication.isEmpty else { return "-" }
        return "\(status.deduplication.escapedForDisplay), \(status.alreadyInKafka) already in Kafka (skipped), "
            + "\(status.deduplicationFallbacks) fallbacks to at-least-once, "
            + "\(status.deduplicationRemapped) in a partition their key no longer maps to"
    }

    var text: String {
        let used = capacityPercent
        let unsent = oldestUnsent.map { "sequence \($0.sequence), \(String(format: "%.1f", oldestUnsentAge ?? 0)) s old" }
        let rateLine = rates.map {
            String(format: "ingest %.1f/s, forward %.1f/s (over %.1f s)", $0.ingest, $0.forward, $0.seconds)
        }
        let lines = [
            "spool identity     \(stats.identity), epoch \(stats.epoch)",
            "durability         \(stats.durability)",
            "stored             \(stats.storedFrames) frames, \(ByteSize.format(stats.storedBytes)) of \(ByteSize.format(stats.capacityBytes)) (\(String(format: "%.1f", used))%)"
                + (stats.capacityFrames.map { ", frame limit \($0)" } ?? ""),
            "sequences          oldest \(stats.oldestSequence.map(String.init) ?? "-"), newest \(stats.newestSequence.map(String.init) ?? "-"), next \(stats.nextSequence)",
            "oldest frame age   \(oldestAge.map { String(format: "%.1f s", $0) } ?? "-")",
            "received           \(stats.counters["received"] ?? 0)",
            "accepted           \(stats.appendedFrames)",
            "ingest restarts    \(stats.counters["ingest_restarts"] ?? 0) (committed frames found queued again and skipped: \(stats.counters["repeats_skipped"] ?? 0), possibly stored twice: \(stats.counters["possibly_repeated"] ?? 0))",
            "rejected           \(rejected.reduce(0) { $0 + $1.1 })"
                + (rejected.isEmpty ? "" : " (" + rejected.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"),
            "evicted            \(stats.evictedFrames) frames, \(ByteSize.format(Int(clamping: stats.evictedBytes))) from the ring: "
                + "\(stats.lostFrames) lost (covered by gap records), \(stats.evictedDeliveredFrames) had been sent and were "
                + "delivered, \(stats.pendingGapFrames) not known yet",
            "forwarded          \(stats.counters["forwarded"] ?? 0) frames, \(stats.counters["gap_records"] ?? 0) gap records",
            "oldest unsent      \(unsent ?? "- (nothing waiting for Kafka)")",
            "acked watermark    \(stats.ackedWatermark)",
            "rates              \(rateLine ?? "- (--interval 0)")",
            "dead letters       \(stats.deadLetters) (\(stats.deadLettersDropped) dropped)",
            "pending gaps       \(stats.pendingGaps)",
            "disk               \(ByteSize.format(stats.fileSize)) on disk, map \(ByteSize.format(stats.mapSize))",
            "forwarder          " + forwarderLine,
            "deduplication      " + deduplicationLine,
        ]
        return lines.joined(separator: "\n")
    }
}
