import ArgumentParser
import DHCPKafkaSpool
import JSONValue

/// `dhcpkafka spool list`: one decoded line per stored frame, oldest first.
struct SpoolListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List stored frames, one decoded line each, oldest first.",
        discussion: """
            Each line: sequence, timestamp-in (UTC), server name, innermost message types in→out \
            ("(relayed)" when relays carried them), client DUID, addresses and prefixes assigned in the \
            reply, and the server's latency. Frames already forwarded to Kafka are no longer in the \
            spool. Evicted ranges not yet published are shown as gap lines when no filter is given. \
            Reads in short transactions, so it is safe while the daemon runs. With --json, one object \
            per line, its "record" key saying what it is: frame, gap, other (another frame type) or \
            undecodable.
            """)

    @OptionGroup var location: SpoolLocation
    @OptionGroup var filters: FrameFilterOptions

    @Option(help: "Start at this sequence.")
    var from: UInt64 = 1

    @Option(help: "Show at most this many frames (0: no limit).")
    var limit = 100

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
    }

    func run() throws {
        let filter = filters.filter
        try withSpoolReader(location.spool) { spool in
            if filter.isEmpty {
                for gap in try spool.pendingGaps() where gap.lastSequence >= from {
                    print(SequenceNote.gap(gap, json: json))
                }
            }
            var shown = 0
            try SpoolScan.forward(spool, from: from) { entry in
                if filter.matches(entry) {
                    print(json ? entry.json.compactText : entry.line)
                    shown += 1
                }
                return limit == 0 || shown < limit
            }
            if !json && shown == 0 { print("no frames match") }
        }
    }
}

/// Opens `path` read-only for `body`; spool errors become their message on standard error and exit 1.
@discardableResult
func withSpoolReader<T>(_ path: String, _ body: (Spool) throws -> T) throws -> T {
    do {
        let spool = try Spool.openReadOnly(at: path)
        defer { try? spool.close() }
        return try body(spool)
    } catch let error as SpoolError {
        printError(error.description)
        if error.code == .corrupt { printError("run `dhcpkafka spool check --spool \(path)` for a full report") }
        throw ExitCode(1)
    }
}
