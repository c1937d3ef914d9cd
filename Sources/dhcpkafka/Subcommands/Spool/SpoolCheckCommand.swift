import DHCPKafkaConfig
import ArgumentParser
import DHCPKafkaSpool
import DHCPKafkaWire
import Foundation
import JSONValue

/// `dhcpkafka spool check`: an integrity check of a spool directory, read-only.
struct SpoolCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a spool's integrity (read-only); exit 0 if healthy, 1 if problems were found.",
        discussion: """
            Walks every stored frame, dead letter and gap record: keys and values well-formed, \
            sequences increasing, assigned and above the acked watermark, receive times sane, each frame \
            decodes, dead letters and gaps consistent with the frames, and LMDB's map and reader table \
            sane. Stored bytes are compared with the counter when the walk fits one read transaction, \
            which it always does on a stopped spool. While a daemon runs, frames are read in short \
            transactions (never holding the daemon up) and that comparison is skipped (reported). \
            Each problem is listed with what to do. The walk runs in a child process: if damaged pages \
            crash it (SIGSEGV, SIGBUS), the spool is reported corrupt (exit 1); a data.mdb shorter than its \
            meta page says is reported truncated before anything is mapped. The check never writes, apart from clearing reader \
            slots of dead processes as every reader does; it does not repair: a damaged spool is moved \
            aside and the daemon started on an empty directory.
            """)

    @OptionGroup var location: SpoolLocation

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: .hidden)
    var structureOnly = false

    /// Frames per read transaction while a daemon holds the spool.
    static let liveChunkFrames = 4096

    func run() throws {
        // The walk runs in a child: a damaged page that crashes LMDB is reported, not fatal.
        let interrupted = [SIGKILL, SIGTERM, SIGINT]
        guard try CrashIsolation.runsHere(crashed: { [location, json] signal in
            guard !interrupted.contains(signal) else {
                return printError("the check of \(location.spool) was interrupted (\(CrashIsolation.signalName(signal)))")
            }
            let message = CrashIsolation.corruptMessage(path: location.spool, signal: signal)
            print(json ? Self.crashJSON(message).prettyText : "corrupt: " + message)
        }) else { return }
        let writer = Spool.writerPid(at: location.spool)
        let structureOnly = self.structureOnly
        let report = try withSpoolReader(location.spool) { spool in
            try spool.check(chunkFrames: writer == nil ? .max : Self.liveChunkFrames) { _, bytes in
                if structureOnly { return nil }
                do {
                    try KafkaMessageRegistry.dhcpKafka.validateFrame(bytes.assumingMemoryBound(to: UInt8.self))
                    return nil
                } catch {
                    return String(describing: error)
                }
            }
        }
        print(json ? Self.json(report, writer: writer).prettyText : Self.text(report, writer: writer, path: location.spool))
        if !report.isHealthy { throw ExitCode(1) }
    }

    /// The JSON report of a walk that crashed the checking child.
    static func crashJSON(_ message: String) -> JSONValue {
        .object([
            ("healthy", .bool(false)),
            ("problems", .array([.object([
                ("code", .string("walk-crashed")), ("message", .string(message)),
                ("action", .string("move the spool aside and start on an empty directory; try `dhcpkafka spool salvage`")),
            ])])),
        ])
    }

    static func json(_ report: SpoolCheckReport, writer: Int32?) -> JSONValue {
        func optional(_ value: UInt64?) -> JSONValue { value.map { .uint($0) } ?? .null }
        return .object([
            ("healthy", .bool(report.isHealthy)),
            ("problems", .array(report.problems.map { problem in
                .object([("code", .string(problem.code)), ("message", .string(problem.message)),
                         ("action", .string(problem.action))])
            })),
            ("writer_pid", writer.map { .int(Int64($0)) } ?? .null),
            ("frames", .int(Int64(report.frames))), ("frame_bytes", .int(Int64(report.frameBytes))),
            ("stored_bytes_counter", .uint(report.storedBytesCounter)),
            ("first_sequence", optional(report.firstSequence)), ("last_sequence", optional(report.lastSequence)),
            ("next_sequence", .uint(report.nextSequence)), ("acked_watermark", .uint(report.ackedWatermark)),
            ("undecodable_frames", .int(Int64(report.undecodableFrames))),
            ("dead_letters", .int(Int64(report.deadLetters))), ("gaps", .int(Int64(report.gaps))),
            ("single_snapshot", .bool(report.singleSnapshot)), ("read_transactions", .int(Int64(report.readTransactions))),
            ("page_size", .int(Int64(report.pageSize))), ("map_size_bytes", .int(Int64(report.mapSize))),
            ("map_used_bytes", .int(Int64(report.mapUsed))), ("file_size_bytes", .int(Int64(report.fileSize))),
            ("stale_readers_cleared", .int(Int64(report.staleReadersCleared))),
            ("readers", .array(report.readers.map { .string($0) })),
        ])
    }

    static func text(_ report: SpoolCheckReport, writer: Int32?, path: String) -> String {
        var lines = [
            "spool          \(path) (" + (writer.map { "daemon pid \($0) running" } ?? "no daemon running") + ")",
            "frames         \(report.frames), sequences \(report.firstSequence.map(String.init) ?? "-")…"
                + "\(report.lastSequence.map(String.init) ?? "-"), next \(report.nextSequence), acked watermark \(report.ackedWatermark)",
            "stored bytes   \(report.frameBytes) walked, counter \(report.storedBytesCounter)"
                + (report.singleSnapshot ? "" : " (not compared: the daemon ran while \(report.readTransactions) transactions read the frames)"),
            "undecodable    \(report.undecodableFrames)",
            "dead letters   \(report.deadLetters), gap records \(report.gaps)",
            "lmdb           map \(ByteSize.format(report.mapSize)), used \(ByteSize.format(report.mapUsed)), "
                + "file \(ByteSize.format(report.fileSize)), page \(report.pageSize) bytes",
            "readers        \(report.readers.count) in use by other processes, \(report.staleReadersCleared) stale cleared",
        ]
        if report.isHealthy {
            lines.append("healthy: no problems found")
        } else {
            lines.append("\(report.problems.count) problem(s):")
            for problem in report.problems {
                lines.append("  [\(problem.code)] \(problem.message)")
                lines.append("      what to do: \(problem.action)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
