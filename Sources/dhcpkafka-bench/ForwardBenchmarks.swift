import DHCPKafkaForwarder
import DHCPKafkaSink
import DHCPKafkaSocket
import DHCPKafkaSpool
import Foundation
import TextCodecs

/// Forwarding benchmarks against librdkafka's mock cluster (in this process).
struct ForwardBenchmarks {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "dhcpkafka-bench-forward-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    /// The type-1 fixture frames (real Kea/dhclient transactions), used cyclically.
    static func fixtureFrames() throws -> [[UInt8]] {
        let text = try String(contentsOfFile: "Fixtures/frames/all.hex", encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line throws(HexError) in
            try Hex.decode(line)
        }.filter { $0.first == 1 }
    }

    /// A spool holding `frames` frames (or `bytes` of them), filled through the spool API.
    func filledSpool(frames: Int, capacity: Int) throws -> (path: String, frames: [[UInt8]]) {
        let path = directory + "/spool"
        let templates = try Self.fixtureFrames()
        let spool = try Spool.open(at: path, options: SpoolOptions(capacityBytes: capacity, durability: .noMetaSync))
        var batch = SpoolBatch(reservingFrames: 1000, bytes: 1 << 20)
        var written = 0
        while written < frames {
            batch.removeAll()
            for i in 0..<min(1000, frames - written) { batch.append(templates[(written + i) % templates.count], receivedAt: 1) }
            _ = try spool.append(batch)
            written += batch.count
        }
        try spool.close()
        return (path, templates)
    }

    func storedFrames(_ spool: String) throws -> Int {
        let reader = try Spool.openReadOnly(at: spool)
        defer { try? reader.close() }
        return try reader.stats().storedFrames
    }

    func startForwarder(spool: String, broker: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = dhcpkafkaBinary
        process.arguments = ["forward", "--spool", spool, "--broker", broker, "--server-name", "bench"]
        // Opened with open(2) (never a rename over the path); the child gets its own copy of the descriptor.
        let file = try OutputFile(path: log)
        process.standardError = FileHandle(fileDescriptor: file.descriptor, closeOnDealloc: false)
        try process.run()
        try file.close()
        return process
    }

    /// Forward a pre-filled spool of `count` frames; kcat produces the same frames to the same broker.
    func throughput(count: Int) throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        try cluster.createTopic("kcat.reference", partitions: 3, replicationFactor: 1)
        let (spool, _) = try filledSpool(frames: count, capacity: 4 << 30)

        let cpuBefore = ProcessProbe.reapedChildrenCPUSeconds()
        let start = Date()
        let forwarder = try startForwarder(spool: spool, broker: cluster.bootstrapServers, log: directory + "/forward.log")
        var rss = 0
        while try storedFrames(spool) > 0 {
            rss = max(rss, peakRSS(pid: forwarder.processIdentifier) ?? 0)
            usleep(50_000)
        }
        let forwardSeconds = Date().timeIntervalSince(start)
        forwarder.terminate()
        forwarder.waitUntilExit()
        let cpu = (ProcessProbe.reapedChildrenCPUSeconds() - cpuBefore) / Double(count)

        let kcat = try runKcat(count: count, broker: cluster.bootstrapServers)
        let reference = kcat.framesPerSecond
        let ours = Double(count) / forwardSeconds
        emit([("benchmark", "forward-throughput"), ("frames", count), ("frames_per_second", ours),
              ("kcat_frames_per_second", reference), ("ratio_to_kcat", ours / reference), ("forwarder_peak_rss_bytes", rss),
              ("forwarder_cpu_us_per_frame", cpu * 1e6), ("kcat_cpu_us_per_frame", kcat.cpuSecondsPerFrame * 1e6)])
        note(String(format: "forward: %d frames in %.2f s = %.0f frames/s; kcat %.0f frames/s (%.2fx); CPU %.2f µs/frame "
                        + "(kcat %.2f); forwarder peak RSS %.1f MB",
                    count, forwardSeconds, ours, reference, ours / reference, cpu * 1e6, kcat.cpuSecondsPerFrame * 1e6,
                    Double(rss) / 1e6))
    }

    /// kcat producing `count` fixture frames to topic `kcat.reference` with the forwarder's guarantees
    /// (idempotence, acks=all); its rate (start-up included, as for the forwarder) and CPU per frame.
    func runKcat(count: Int, broker: String) throws -> (framesPerSecond: Double, cpuSecondsPerFrame: Double) {
        let templates = try Self.fixtureFrames()
        // The same frames, delimited by an ASCII marker that occurs in none of them (argv cannot
        // carry NUL bytes).
        let delimiter = Array("|kcat-frame-end|".utf8)
        for frame in templates where frame.count >= delimiter.count {
            for start in 0...(frame.count - delimiter.count) where Array(frame[start..<start + delimiter.count]) == delimiter {
                throw BenchError("a fixture frame contains the kcat delimiter")
            }
        }
        var file = Data()
        for index in 0..<count {
            file.append(contentsOf: templates[index % templates.count])
            file.append(contentsOf: delimiter)
        }
        let input = directory + "/kcat.input"
        try file.write(to: URL(fileURLWithPath: input))
        let kcat = Process()
        kcat.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        kcat.arguments = ["-P", "-b", broker, "-t", "kcat.reference", "-l", "-D",
                          String(decoding: delimiter, as: UTF8.self), "-X", "enable.idempotence=true", "-X", "acks=all", input]
        let cpuBefore = ProcessProbe.reapedChildrenCPUSeconds()
        let kcatStart = Date()
        try kcat.run()
        kcat.waitUntilExit()
        let kcatSeconds = Date().timeIntervalSince(kcatStart)
        guard kcat.terminationStatus == 0 else { throw BenchError("kcat exited \(kcat.terminationStatus)") }
        let cpu = ProcessProbe.reapedChildrenCPUSeconds() - cpuBefore
        try? FileManager.default.removeItem(atPath: input)
        return (Double(count) / kcatSeconds, cpu / Double(count))
    }

    /// Socket → delivery report latency at a steady rate, with the default linger.
    func latency(rate: Int, seconds: Int) throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        let (daemon, socket, spool) = try startDaemon(in: directory, brokers: cluster.bootstrapServers)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        // Warm up until the forwarder is connected (its first frames wait for the broker connection and
        // metadata, ~1 s): 100 frames, then wait until they were forwarded. They stay in the latency
        // samples but are 0.2% of them.
        _ = try dhcpkafka(["send", "--socket", socket, "--frames", "100", "--rate", "1000", "--json"])
        for _ in 0..<300 {
            if let (status, _) = ForwarderStatus.read(spoolPath: spool), status.forwarded >= 100 { break }
            usleep(20_000)
        }
        _ = try dhcpkafka(["send", "--socket", socket, "--frames", String(rate * seconds), "--rate", String(rate), "--json"])
        Thread.sleep(forTimeInterval: 3)
        daemon.terminate()
        daemon.waitUntilExit()
        guard let (status, _) = ForwarderStatus.read(spoolPath: spool) else {
            throw BenchError("the forwarder left no \(ForwarderStatus.fileName) in \(spool)")
        }
        emit([("benchmark", "forward-latency"), ("frames_per_second", rate), ("seconds", seconds),
              ("delivery_p50_ms", status.deliveryLatencyP50Ms), ("delivery_p99_ms", status.deliveryLatencyP99Ms),
              ("forwarded", Double(status.forwarded))])
        note(String(format: "latency at %d frames/s: socket → delivery report p50 %.1f ms, p99 %.1f ms", rate, status.deliveryLatencyP50Ms, status.deliveryLatencyP99Ms))
    }

    /// Forwarder memory with a large backlog while the broker is down.
    func backlogRSS(gigabytes: Double) throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        try cluster.setBrokerDown(1)
        let frames = Int(gigabytes * 1e9 / 480)
        let (spool, _) = try filledSpool(frames: frames, capacity: Int(gigabytes * 1.5e9))
        let forwarder = try startForwarder(spool: spool, broker: cluster.bootstrapServers, log: directory + "/forward.log")
        Thread.sleep(forTimeInterval: 15)
        let rss = peakRSS(pid: forwarder.processIdentifier) ?? 0
        forwarder.terminate()
        forwarder.waitUntilExit()
        let stored = try storedFrames(spool)
        emit([("benchmark", "forward-backlog-rss"), ("backlog_frames", stored), ("backlog_gigabytes", gigabytes),
              ("forwarder_peak_rss_bytes", rss)])
        note(String(format: "backlog of %d frames (%.1f GB), broker down: forwarder peak RSS %.1f MB", stored, gigabytes, Double(rss) / 1e6))
    }
}
