import DHCPKafkaSocket
import DHCPKafkaWire
import DHCPKafkaWriter
import Foundation

/// Per-frame cost of the Swift writer (encode + non-blocking send), as a DHCP worker pays it, with
/// the daemon healthy, stopped and stalled (SIGSTOP). The reference, measured in the same run, is a
/// bare `send()` of the same pre-encoded frames on a connected socket to the same healthy daemon:
/// the floor any writer pays.
struct WriterBenchmark {
    let rate: Int
    let frames: Int
    let directory = NSTemporaryDirectory() + "dhcpkafka-bench-writer-\(getpid())"

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/ingest.sock"
        let transactions = try ForwardBenchmarks.fixtureFrames().compactMap(RawTransaction.init(frame:))
        let writer = try DHCPKafkaWriter(socketPath: socket, serverName: "bench.example.net")

        let daemon = try startDaemon(socket: socket)
        var floor = samples(count: frames) { index in
            let frame = transactions[index % transactions.count].frame
            return frame.withUnsafeBytes { Glibc.send(floorSocket(socket), $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } > 0
        }
        report("bare-send", &floor, reference: nil)
        var healthy = measure(writer, transactions)
        report("healthy", &healthy, reference: floor)
        kill(daemon.processIdentifier, SIGSTOP)
        var stalled = measure(writer, transactions)
        report("stalled", &stalled, reference: floor)
        kill(daemon.processIdentifier, SIGCONT)
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        var stopped = measure(writer, transactions)
        report("stopped", &stopped, reference: floor)
        let counters = writer.counters
        emit([("benchmark", "writer"), ("state", "all"), ("sent", Int(counters.sent)),
              ("dropped_queue_full", Int(counters.droppedQueueFull)), ("dropped_daemon_down", Int(counters.droppedDaemonDown))])
    }

    private func startDaemon(socket: String) throws -> Process {
        let daemon = Process()
        daemon.executableURL = dhcpkafkaBinary
        daemon.arguments = ["run", "--socket", socket, "--spool", directory + "/spool", "--no-forward", "--capacity", "256M"]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
        guard FileManager.default.fileExists(atPath: socket) else { throw BenchError("the daemon did not start") }
        return daemon
    }

    private func measure(_ writer: DHCPKafkaWriter, _ transactions: [RawTransaction]) -> [UInt64] {
        samples(count: frames) { index in
            let transaction = transactions[index % transactions.count]
            return transaction.incoming.withUnsafeBytes { incoming in
                transaction.reply.withUnsafeBytes { reply in
                    writer.write(incoming: incoming, receivedAt: 1.7e9, reply: reply.isEmpty ? nil : reply, sentAt: 1.7e9) == .sent
                }
            }
        }
    }

    /// Calls `body` `count` times at `rate` per second, timing each call in nanoseconds.
    private func samples(count: Int, _ body: (Int) -> Bool) -> [UInt64] {
        var durations = [UInt64](repeating: 0, count: count)
        let interval = 1.0 / Double(rate)
        let start = monotonicNanoseconds()
        for index in 0..<count {
            let due = start + UInt64(Double(index) * interval * 1e9)
            let now = monotonicNanoseconds()
            if due > now + 1_000_000 { usleep(useconds_t((due - now) / 1000)) }
            let before = monotonicNanoseconds()
            _ = body(index)
            durations[index] = monotonicNanoseconds() - before
        }
        return durations
    }

    private func report(_ state: String, _ durations: inout [UInt64], reference: [UInt64]?) {
        durations.sort()
        func percentile(_ p: Double) -> Double { Double(durations[min(durations.count - 1, Int(p / 100 * Double(durations.count)))]) / 1000 }
        var fields: [(String, Any)] = [
            ("benchmark", "writer"), ("state", state), ("frames", durations.count), ("rate", rate),
            ("p50_us", percentile(50)), ("p99_us", percentile(99)), ("p999_us", percentile(99.9)),
            ("max_us", Double(durations.last ?? 0) / 1000),
        ]
        if let reference, !reference.isEmpty {
            let floor = Double(reference.sorted()[reference.count / 2])
            fields.append(("p50_vs_bare_send", floor > 0 ? Double(durations[durations.count / 2]) / floor : 0))
        }
        emit(fields)
        note("writer \(state): p50 \(percentile(50)) µs, p99 \(percentile(99)) µs, p99.9 \(percentile(99.9)) µs, max \(Double(durations.last ?? 0) / 1000) µs")
    }
}

/// A fixture transaction split back into its raw packets.
struct RawTransaction {
    let frame: [UInt8]
    let incoming: [UInt8]
    let reply: [UInt8]

    init?(frame: [UInt8]) {
        guard let layout = frame.withUnsafeBytes(DHCPKafkaMessage.locate(in:)) else { return nil }
        self.frame = frame
        incoming = Array(frame[layout.messageIn])
        reply = Array(frame[layout.messageOut])
    }
}

/// A connected datagram socket to `path`, made once (the bare-send reference).
private nonisolated(unsafe) var floorDescriptor: Int32 = -1
private func floorSocket(_ path: String) -> Int32 {
    if floorDescriptor >= 0 { return floorDescriptor }
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    floorDescriptor = fd
    return fd
}

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
