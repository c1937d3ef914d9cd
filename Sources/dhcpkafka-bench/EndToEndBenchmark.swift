import DHCPKafkaSink
import DHCPKafkaSpool
import Foundation

/// Writers → `dhcpkafka run` (ingest + forwarder child) → librdkafka's mock broker, against kcat
/// producing the same number of frames to the same broker, in the same run.
///
/// Throughput is frames acknowledged by Kafka (the spool's acknowledged watermark) over the time from
/// the first send to the last acknowledgement, with a daemon that was started but never warmed up, so
/// the forwarder's first-record delay counts as kcat's start-up does. CPU is user + system time of the
/// daemon and its forwarder (reaped children, `getrusage`), writers reported apart; kcat's the same way.
struct EndToEndBenchmark {
    let frames: Int
    let writers: Int
    let rate: Int

    func run() throws {
        let bench = try ForwardBenchmarks()
        defer { bench.cleanUp() }
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        try cluster.createTopic("kcat.reference", partitions: 3, replicationFactor: 1)
        let (daemon, socket, spool) = try startDaemon(
            in: bench.directory, brokers: cluster.bootstrapServers, extra: ["--capacity", "8GiB", "--server-name", "bench"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let cpuBefore = ProcessProbe.reapedChildrenCPUSeconds()

        let start = Date()
        let sender = Process()
        sender.executableURL = dhcpkafkaBinary
        sender.arguments = ["send", "--socket", socket, "--frames", String(frames), "--rate", String(rate),
                            "--processes", String(writers), "--server-name", "bench", "--json"]
        let output = Pipe()
        sender.standardOutput = output
        try sender.run()
        var firstAcknowledged: Double?
        var peak = (daemon: 0, forwarder: 0)
        var watermark: UInt64 = 0
        var sent = Double(frames)
        var sendingDone = false
        let reader = try Spool.openReadOnly(at: spool)
        defer { try? reader.close() }
        while true {
            let stats = try reader.stats()
            watermark = stats.ackedWatermark
            if firstAcknowledged == nil && watermark > 0 { firstAcknowledged = Date().timeIntervalSince(start) }
            peak.daemon = max(peak.daemon, ProcessProbe.memory(daemon.processIdentifier).peak)
            for child in ProcessProbe.children(daemon.processIdentifier) {
                peak.forwarder = max(peak.forwarder, ProcessProbe.memory(child).peak)
            }
            if !sendingDone && !sender.isRunning {
                sendingDone = true
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                sent = jsonNumber(text, "sent") ?? sent
            }
            if sendingDone && Double(watermark) >= sent { break }
            if Date().timeIntervalSince(start) > 600 { throw BenchError("end-to-end: only \(watermark) of \(sent) acknowledged after 600 s") }
            usleep(5_000)
        }
        let seconds = Date().timeIntervalSince(start)
        sender.waitUntilExit()
        let writerCPU = ProcessProbe.reapedChildrenCPUSeconds() - cpuBefore
        daemon.terminate()
        daemon.waitUntilExit()
        let relayCPU = ProcessProbe.reapedChildrenCPUSeconds() - cpuBefore - writerCPU

        let kcat = try bench.runKcat(count: frames, broker: cluster.bootstrapServers)
        let ours = sent / seconds
        emit([("benchmark", "end-to-end"), ("frames", Int(sent)), ("frames_per_second", ours),
              ("first_acknowledged_seconds", firstAcknowledged ?? -1),
              ("relay_cpu_us_per_frame", relayCPU / sent * 1e6), ("writer_cpu_us_per_frame", writerCPU / sent * 1e6),
              ("kcat_frames_per_second", kcat.framesPerSecond), ("kcat_cpu_us_per_frame", kcat.cpuSecondsPerFrame * 1e6),
              ("ratio_to_kcat", ours / kcat.framesPerSecond),
              ("cpu_ratio_to_kcat", relayCPU / sent / kcat.cpuSecondsPerFrame),
              ("daemon_peak_rss_bytes", peak.daemon), ("forwarder_peak_rss_bytes", peak.forwarder)])
        note(String(format: "end to end: %.0f frames in %.2f s = %.0f frames/s (first acknowledged after %.2f s); "
                        + "daemon + forwarder CPU %.2f µs/frame (writers %.2f); kcat %.0f frames/s, %.2f µs/frame "
                        + "(%.2fx the rate, %.2fx the CPU); peak RSS daemon %.1f MB, forwarder %.1f MB",
                    sent, seconds, ours, firstAcknowledged ?? -1, relayCPU / sent * 1e6, writerCPU / sent * 1e6,
                    kcat.framesPerSecond, kcat.cpuSecondsPerFrame * 1e6, ours / kcat.framesPerSecond,
                    relayCPU / sent / kcat.cpuSecondsPerFrame, Double(peak.daemon) / 1e6, Double(peak.forwarder) / 1e6))
    }
}
