import ArgumentParser
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
        let view = SpoolStatsView(stats: stats, now: now)
        print(json ? view.json.prettyText : view.text)
    }
}

/// The fields of `spool stats`, shared by its text and JSON forms.
struct SpoolStatsView {
    let stats: SpoolStats
    let now: Double

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
            ("map_size_bytes", .int(Int64(stats.mapSize))),
            ("file_size_bytes", .int(Int64(stats.fileSize))),
        ])
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
        ]
        return lines.joined(separator: "\n")
    }
}
