import DHCPKafkaSink
import DHCPKafkaSpool
import Foundation

/// Memory of `dhcpkafka run` (ingest) and its forwarder child through a broker outage with ingest
/// running, then through the drain when the broker comes back.
///
/// The broker (librdkafka's mock, in this process) is down from the start; a paced writer sends
/// `rate` frames/s for `seconds`; the forwarder is SIGKILLed once (`run` restarts it, and the new
/// one opens the spool with the whole backlog in it); then the broker comes up and the backlog drains. Peak resident
/// memory (VmHWM) of both processes is read at the end of the outage and after the drain, and the
/// largest anonymous and file-backed resident memory (RssAnon / RssFile) seen while sampling twice
/// a second, which says whether the peak is the heap or mapped spool pages.
struct OutageBenchmark {
    let rate: Int
    let seconds: Int

    struct Peaks {
        var daemon = ProcessProbe.Memory()
        var forwarder = ProcessProbe.Memory()
        /// The largest PSS of both processes together at one sample.
        var together = 0

        mutating func sample(daemon pid: Int32) {
            let ingest = ProcessProbe.memory(pid)
            daemon.absorb(ingest)
            var sum = ingest.proportional
            for child in ProcessProbe.children(pid) {
                let memory = ProcessProbe.memory(child)
                forwarder.absorb(memory)
                sum += memory.proportional
            }
            together = max(together, sum)
        }
    }

    func run() throws {
        let bench = try ForwardBenchmarks()
        defer { bench.cleanUp() }
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        try cluster.setBrokerDown(1)
        let (daemon, socket, spool) = try startDaemon(
            in: bench.directory, brokers: cluster.bootstrapServers, extra: ["--capacity", "8GiB", "--server-name", "bench"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        let sender = Process()
        sender.executableURL = dhcpkafkaBinary
        sender.arguments = ["send", "--socket", socket, "--frames", String(rate * seconds), "--rate", String(rate),
                            "--server-name", "bench", "--json"]
        sender.standardOutput = FileHandle.nullDevice
        try sender.run()
        var peaks = Peaks()
        while sender.isRunning {
            peaks.sample(daemon: daemon.processIdentifier)
            usleep(500_000)
        }
        sender.waitUntilExit()
        // A forwarder that crashes during the outage: `run` starts a new one, which opens the spool
        // with the whole backlog in it (its consistency walk reads every frame page).
        let crashed = ProcessProbe.children(daemon.processIdentifier)
        for child in crashed { kill(child, SIGKILL) }
        let restartDeadline = Date().addingTimeInterval(60)
        while Date() < restartDeadline {
            peaks.sample(daemon: daemon.processIdentifier)
            if ProcessProbe.children(daemon.processIdentifier).contains(where: { !crashed.contains($0) }) { break }
            usleep(100_000)
        }
        for _ in 0..<50 {
            peaks.sample(daemon: daemon.processIdentifier)
            usleep(100_000)
        }
        let outage = peaks
        let reader = try Spool.openReadOnly(at: spool)
        defer { try? reader.close() }
        let backlog = try reader.stats()

        try cluster.setBrokerUp(1)
        let drainStart = Date()
        var stats = backlog
        while stats.ackedWatermark < backlog.appendedFrames {
            peaks.sample(daemon: daemon.processIdentifier)
            if Date().timeIntervalSince(drainStart) > 900 { throw BenchError("backlog not drained after 900 s") }
            usleep(200_000)
            stats = try reader.stats()
        }
        let drainSeconds = Date().timeIntervalSince(drainStart)
        peaks.sample(daemon: daemon.processIdentifier)
        daemon.terminate()
        daemon.waitUntilExit()

        let mb = { (bytes: Int) in Double(bytes) / 1e6 }
        emit([("benchmark", "outage-memory"), ("rate", rate), ("seconds", seconds),
              ("backlog_frames", backlog.storedFrames), ("backlog_bytes", backlog.storedBytes), ("drain_seconds", drainSeconds),
              ("outage_daemon_peak_rss_bytes", outage.daemon.peak), ("outage_forwarder_peak_rss_bytes", outage.forwarder.peak),
              ("daemon_peak_rss_bytes", peaks.daemon.peak), ("forwarder_peak_rss_bytes", peaks.forwarder.peak),
              ("together_peak_rss_bytes", peaks.daemon.peak + peaks.forwarder.peak),
              ("together_max_pss_bytes", peaks.together),
              ("daemon_max_anon_bytes", peaks.daemon.anonymous), ("daemon_max_file_bytes", peaks.daemon.file),
              ("forwarder_max_anon_bytes", peaks.forwarder.anonymous), ("forwarder_max_file_bytes", peaks.forwarder.file)])
        note(String(format: "outage of %d s at %d frames/s: backlog %d frames (%.0f MB), drained in %.1f s; "
                        + "peak RSS during the outage daemon %.1f + forwarder %.1f MB; with the drain %.1f + %.1f = %.1f MB "
                        + "(largest RssAnon/RssFile seen: daemon %.1f/%.1f, forwarder %.1f/%.1f MB; largest PSS of both "
                        + "together %.1f MB)",
                    seconds, rate, backlog.storedFrames, mb(backlog.storedBytes), drainSeconds,
                    mb(outage.daemon.peak), mb(outage.forwarder.peak), mb(peaks.daemon.peak), mb(peaks.forwarder.peak),
                    mb(peaks.daemon.peak + peaks.forwarder.peak), mb(peaks.daemon.anonymous), mb(peaks.daemon.file),
                    mb(peaks.forwarder.anonymous), mb(peaks.forwarder.file), mb(peaks.together)))
    }
}

extension ProcessProbe.Memory {
    /// Keeps the largest of each figure.
    mutating func absorb(_ other: ProcessProbe.Memory) {
        peak = max(peak, other.peak)
        anonymous = max(anonymous, other.anonymous)
        file = max(file, other.file)
        proportional = max(proportional, other.proportional)
    }
}
