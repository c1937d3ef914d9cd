import ArgumentParser
import DHCPKafkaSpool
import JSONValue

#if canImport(Glibc)
import Glibc
#endif

/// `dhcpkafka spool tail [-f]`: the newest stored frames, and with `-f` new frames as they arrive.
struct SpoolTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show the newest stored frames; with -f, keep showing new frames as they arrive.",
        discussion: """
            Lines are as in `spool list`. With -f the spool is polled every 200 ms (at once again \
            after a full chunk) and followed by sequence number: every sequence the daemon assigns \
            after tail started is either shown or reported on a "not shown" line (record "missed" in \
            JSON) saying where it went. -f is best-effort while the forwarder runs: it deletes frames \
            as soon as Kafka acknowledged them, which can be before the next poll, and LMDB cannot \
            notify a reader of new data; such frames are reported as missed, never silently skipped. \
            Stop with Ctrl-C (SIGINT) or SIGTERM: tail finishes the current poll and exits 0.
            """)

    @OptionGroup var location: SpoolLocation
    @OptionGroup var filters: FrameFilterOptions

    @Option(name: [.customShort("n"), .customLong("lines")], help: "Show this many of the newest matching frames first.")
    var count = 10

    @Flag(name: [.short, .long], help: "Keep running and show frames as they arrive.")
    var follow = false

    @Option(help: "With -f, seconds between polls of the spool.")
    var pollInterval = 0.2

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--lines must be ≥ 0") }
        guard pollInterval > 0, pollInterval <= 60 else { throw ValidationError("--poll-interval must be in (0, 60] seconds") }
    }

    func run() throws {
        let filter = filters.filter
        if follow { StopSignals.install() }
        try withSpoolReader(location.spool) { spool in
            // Everything below `assigned` existed when tail started; follow from there by sequence.
            let assigned = try spool.stats().nextSequence
            let newest = try SpoolScan.newest(spool, count: count, before: assigned, filter: filter)
            for entry in newest { emit(entry) }
            // Silence would read as a hang or a broken spool; JSON readers get no such line.
            if newest.isEmpty && count > 0 && !json {
                print(follow ? "no frames match yet; waiting for new frames" : "no frames match")
            }
            fflush(nil)
            if follow { try followFrames(spool, from: assigned, filter: filter) }
        }
    }

    private func emit(_ entry: SpoolEntry) {
        print(json ? entry.json.compactText : entry.line)
    }

    /// Polls for sequences ≥ `next` until a stop signal arrives.
    private func followFrames(_ spool: Spool, from start: UInt64, filter: FrameFilter) throws {
        var next = start
        while !StopSignals.requested {
            // Read what was assigned before reading the frames: any sequence below it that the read
            // does not return was really removed, not merely committed after the read.
            let stats = try spool.stats()
            let chunk = try spool.read(from: next, maxFrames: SpoolScan.chunkFrames)
            for stored in chunk {
                if stored.sequence > next {
                    reportMissed(next...(stored.sequence - 1), acked: stats.ackedWatermark)
                }
                let entry = SpoolEntry(stored)
                if filter.matches(entry) { emit(entry) }
                next = stored.sequence + 1
            }
            let full = chunk.count == SpoolScan.chunkFrames
            if !full && next < stats.nextSequence {
                reportMissed(next...(stats.nextSequence - 1), acked: stats.ackedWatermark)
                next = stats.nextSequence
            }
            fflush(nil)
            if !full { StopSignals.sleep(pollInterval) }
        }
    }

    private func reportMissed(_ range: ClosedRange<UInt64>, acked: UInt64) {
        let reason: String
        if range.upperBound <= acked {
            reason = "forwarded to Kafka and removed from the spool before tail read them"
        } else if range.lowerBound > acked {
            reason = "evicted (ring full) or dead-lettered before tail read them; see `spool stats` and `spool dead list`"
        } else {
            reason = "forwarded, evicted or dead-lettered before tail read them"
        }
        print(SequenceNote.missed(range, reason: reason, json: json))
    }
}
