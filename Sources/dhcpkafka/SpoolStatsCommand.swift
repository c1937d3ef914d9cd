import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaForwarder
import DHCPKafkaSpool
import Foundation
import JSONValue

/// `dhcpkafka spool stats`: counters and state of a spool, from one short read transaction.
struct SpoolStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print a spool's counters: stored, accepted, rejected, evicted, oldest frame.")

    @OptionGroup var location: SpoolLocation

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let stats: SpoolStats
        do {
            let spool = try Spool.openReadOnly(at: location.spool)
            defer { try? spool.close() }
            stats = try spool.stats()
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let now = Date().timeIntervalSince1970
        let view = SpoolStatsView(stats: stats, now: now, forwarder: ForwarderStatus.read(spoolPath: location.spool))
        print(json ? view.json.prettyText : view.text)
    }
}

/// The fields of `spool stats`, shared by its text and JSON forms.
struct SpoolStatsView {
    let stats: SpoolStats
    let now: Double
    /// The forwarder's last written state and whether it is still running.
    let forwarder: (status: JSONValue, running: Bool)?

    var oldestAge: Double? {
        stats.oldestReceiveTime.map { max(0, now - Double($0) / 1e9) }
    }

    var rejected: [(String, UInt64)] {
        stats.counters.filter { $0.key.hasPrefix("rejected.") }
            .map { (String($0.key.dropFirst("rejected.".count)), $0.value) }
            .sorted { $0.0 < $1.0 }
    }

    var json: JSONValue {
        func optional(_ value: UInt64?) -> JSONValue { value.map { .uint($0) } ?? .null }
        let rejectedTotal = rejected.reduce(0) { $0 + $1.1 }
        return .object([
            ("spool_identity", .string(stats.identity)),
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
            ("forwarded", .uint(stats.counters["forwarded"] ?? 0)),
            ("gap_records", .uint(stats.counters["gap_records"] ?? 0)),
            ("acked_watermark", .uint(stats.ackedWatermark)),
            ("dead_letters", .int(Int64(stats.deadLetters))),
            ("dead_letters_dropped", .uint(stats.deadLettersDropped)),
            ("pending_gaps", .int(Int64(stats.pendingGaps))),
            ("forwarder", forwarder.map { .object([("running", .bool($0.running))] + (Self.members($0.status))) } ?? .null),
            ("map_size_bytes", .int(Int64(stats.mapSize))),
            ("file_size_bytes", .int(Int64(stats.fileSize))),
        ])
    }

    static func members(_ value: JSONValue) -> [(String, JSONValue)] {
        if case .object(let members) = value { return members }
        return []
    }

    var forwarderLine: String {
        guard let (status, running) = forwarder else { return "never ran on this spool" }
        let age = now - (status["updated_at"]?.doubleValue ?? 0)
        let state = running ? "running (pid \(status["pid"]?.intValue ?? 0))" : "not running (last seen \(String(format: "%.0f", age)) s ago)"
        return "\(state), Kafka \(status["broker_state"]?.stringValue ?? "?")"
            + ((status["backing_off"] == .bool(true)) ? ", backing off" : "")
            + ", \(status["in_flight"]?.intValue ?? 0) in flight, delivery p99 \(status["delivery_latency_p99_ms"]?.doubleValue ?? 0) ms"
    }

    var text: String {
        let used = stats.capacityBytes > 0 ? Double(stats.storedBytes) * 100 / Double(stats.capacityBytes) : 0
        let lines = [
            "spool identity     \(stats.identity)",
            "durability         \(stats.durability)",
            "stored             \(stats.storedFrames) frames, \(ByteSize.format(stats.storedBytes)) of \(ByteSize.format(stats.capacityBytes)) (\(String(format: "%.1f", used))%)"
                + (stats.capacityFrames.map { ", frame limit \($0)" } ?? ""),
            "sequences          oldest \(stats.oldestSequence.map(String.init) ?? "-"), newest \(stats.newestSequence.map(String.init) ?? "-"), next \(stats.nextSequence)",
            "oldest frame age   \(oldestAge.map { String(format: "%.1f s", $0) } ?? "-")",
            "received           \(stats.counters["received"] ?? 0)",
            "accepted           \(stats.appendedFrames)",
            "rejected           \(rejected.reduce(0) { $0 + $1.1 })"
                + (rejected.isEmpty ? "" : " (" + rejected.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"),
            "evicted            \(stats.evictedFrames) frames, \(ByteSize.format(Int(clamping: stats.evictedBytes)))",
            "forwarded          \(stats.counters["forwarded"] ?? 0) frames, \(stats.counters["gap_records"] ?? 0) gap records",
            "acked watermark    \(stats.ackedWatermark)",
            "dead letters       \(stats.deadLetters) (\(stats.deadLettersDropped) dropped)",
            "pending gaps       \(stats.pendingGaps)",
            "disk               \(ByteSize.format(stats.fileSize)) on disk, map \(ByteSize.format(stats.mapSize))",
            "forwarder          " + forwarderLine,
        ]
        return lines.joined(separator: "\n")
    }
}
