import DHCPKafkaSpool
import Foundation

/// Ingest throughput of the daemon at increasing offered rates from N paced writer processes,
/// durable commits, against raw LMDB puts of the same frames in the same batch size, in the same run.
///
/// Writers are paced (`dhcpkafka send --rate`), as DHCP servers are: unpaced writers spinning on a
/// full queue would only measure how much CPU they steal from the daemon on a 2-core machine.
struct IngestBenchmark {
    let writers: Int
    let seconds: Double
    let durability: String
    let rates: [Int]

    func run() throws {
        let directory = NSTemporaryDirectory() + "dhcpkafka-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/ingest.sock"
        let spool = directory + "/spool"

        let daemon = Process()
        daemon.executableURL = dhcpkafkaBinary
        daemon.arguments = ["run", "--socket", socket, "--spool", spool, "--capacity", "8GiB", "--durability", durability]
        let daemonLog = Pipe()
        daemon.standardError = daemonLog
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }

        var best = 0.0
        for rate in rates {
            let step = try offer(rate: rate, socket: socket, spool: spool)
            emit([("benchmark", "ingest-step"), ("durability", durability), ("writers", writers),
                  ("offered_frames_per_second", rate), ("accepted_frames_per_second", step.accepted),
                  ("dropped_percent", step.droppedPercent)])
            note(String(format: "  offered %7d/s: accepted %8.0f/s, dropped %.3f%%", rate, step.accepted, step.droppedPercent))
            if step.droppedPercent < 0.1 { best = max(best, step.accepted) }
        }
        let rss = peakRSS(pid: daemon.processIdentifier) ?? 0
        daemon.terminate()
        let log = String(decoding: daemonLog.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        daemon.waitUntilExit()

        let stopped = log.split(separator: "\n").last { $0.contains("stopped") }.map(String.init) ?? ""
        let accepted = metadata(stopped, "accepted") ?? 0
        let commits = max(metadata(stopped, "commits") ?? 1, 1)
        let batch = max(Int((accepted / commits).rounded()), 1)
        let stats = try dhcpkafka(["spool", "stats", "--spool", spool, "--json"])
        let frameBytes = (jsonNumber(stats, "stored_bytes") ?? 0) / max(jsonNumber(stats, "stored_frames") ?? 1, 1)
            - Double(Spool.frameHeaderSize)

        // Reference: raw LMDB puts (MDB_APPEND) of frames of the same size in the same batch size.
        let mode: SpoolDurability =
            durability == "nometasync" ? .noMetaSync : durability.hasPrefix("periodic") ? .periodic(interval: .seconds(1)) : .sync
        try FileManager.default.createDirectory(atPath: directory + "/reference", withIntermediateDirectories: true)
        let reference = try SpoolBenchmark.compare(
            in: directory + "/reference", frames: 1_000_000, frameSize: Int(frameBytes), batchSize: batch, durability: mode)

        let p50 = Int(metadata(stopped, "commit_p50_us") ?? 0)
        let p99 = Int(metadata(stopped, "commit_p99_us") ?? 0)
        emit([("benchmark", "ingest"), ("durability", durability), ("writers", writers),
              ("frames_per_second_without_loss", best), ("mean_frame_bytes", frameBytes), ("mean_batch_frames", batch),
              ("commit_p50_us", p50), ("commit_p99_us", p99), ("daemon_peak_rss_bytes", rss),
              ("raw_lmdb_frames_per_second", reference.rawFramesPerSecond),
              ("spool_api_frames_per_second", reference.spoolFramesPerSecond),
              ("ratio_to_raw_lmdb", best / reference.rawFramesPerSecond)])
        note(String(format: "ingest (%@, %d writers): %.0f frames/s without loss; raw LMDB %.0f frames/s at batch %d (%.2fx); "
                        + "commit p50 %d µs p99 %d µs; daemon peak RSS %.1f MB",
                    durability, writers, best, reference.rawFramesPerSecond, batch, best / reference.rawFramesPerSecond,
                    p50, p99, Double(rss) / 1e6))
    }

    /// Offers `rate` frames/s for `seconds` from the writers; returns what the spool accepted.
    private func offer(rate: Int, socket: String, spool: String) throws -> (accepted: Double, droppedPercent: Double) {
        let before = try acceptedCount(spool)
        let start = Date()
        var senders: [(Process, Pipe)] = []
        for index in 0..<writers {
            let sender = Process()
            sender.executableURL = dhcpkafkaBinary
            sender.arguments = ["send", "--socket", socket, "--frames", String(Int(Double(rate) * seconds) / writers),
                                "--rate", String(rate / writers), "--server-name", "bench\(index)", "--json"]
            let output = Pipe()
            sender.standardOutput = output
            try sender.run()
            senders.append((sender, output))
        }
        var sent = 0.0
        var dropped = 0.0
        for (sender, output) in senders {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            sender.waitUntilExit()
            sent += jsonNumber(text, "sent") ?? 0
            dropped += (jsonNumber(text, "dropped_queue_full") ?? 0) + (jsonNumber(text, "dropped_daemon_down") ?? 0)
        }
        // Wait until the daemon has committed everything the writers queued.
        var after = try acceptedCount(spool)
        for _ in 0..<500 where after - before < sent {
            usleep(10_000)
            after = try acceptedCount(spool)
        }
        let elapsed = Date().timeIntervalSince(start)
        return ((after - before) / elapsed, sent + dropped > 0 ? dropped * 100 / (sent + dropped) : 0)
    }

    private func acceptedCount(_ spool: String) throws -> Double {
        jsonNumber(try dhcpkafka(["spool", "stats", "--spool", spool, "--json"]), "accepted") ?? 0
    }

    /// `key=value` from swift-log's metadata rendering.
    private func metadata(_ line: String, _ key: String) -> Double? {
        guard let range = line.range(of: "\(key)=") else { return nil }
        return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
}
