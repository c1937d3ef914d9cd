import DHCPKafkaRuntime
import DHCPKafkaSink
import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// The daemon as a process when something goes wrong inside it: a failing service, a stalled
/// commit, the metrics endpoint out of file descriptors.
@Suite(.serialized) struct LifecycleProcessTests {
    /// The first number after `key=` on a log line containing `marker`.
    static func logged(_ key: String, after marker: String, in log: String) -> Int32? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains(marker) }),
              let range = line.range(of: key + #"=\d+"#, options: .regularExpression) else { return nil }
        return Int32(line[range].dropFirst(key.count + 1))
    }

    /// The port in the daemon's "serving metrics" line.
    static func metricsPort(_ daemon: ChildProcess) -> UInt16? {
        _ = waitUntil(timeout: 30) { daemon.log.contains("serving metrics") }
        guard let range = daemon.log.range(of: #"url=http://127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression) else { return nil }
        return UInt16(daemon.log[range].split(separator: ":").last?.split(separator: "/").first ?? "")
    }

    /// A service that fails makes the daemon exit non-zero, with the metrics endpoint running.
    /// Here the forwarder supervisor fails: the daemon runs from a copy of its binary, the copy is
    /// deleted, and the forwarder is killed, so it cannot be started again. Before every service
    /// honoured cancellation, the ingest and metrics services waited for a graceful shutdown that
    /// never came: the process neither received nor exited.
    @Test func aFailingServiceEndsTheDaemon() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let copy = harness.directory.appending("dhcpkafka-copy")
        try FileManager.default.copyItem(atPath: TestPaths.dhcpkafka.path, toPath: copy)
        let daemon = try ChildProcess(
            URL(fileURLWithPath: copy),
            ["run", "--socket", harness.socket, "--spool", harness.spool, "--broker", cluster.bootstrapServers,
             "--metrics-listen", "127.0.0.1:0"],
            logPath: harness.directory.appending("daemon.log"))
        let port = try #require(Self.metricsPort(daemon), "\(daemon.log)")
        #expect(httpGet(port: port, path: "/metrics")?.status == 200)
        #expect(waitUntil(timeout: 30) { Self.logged("pid", after: "started forwarder", in: daemon.log) != nil }, "\(daemon.log)")
        let forwarder = try #require(Self.logged("pid", after: "started forwarder", in: daemon.log))
        try FileManager.default.removeItem(atPath: copy)
        kill(forwarder, SIGKILL)
        let status = daemon.wait(timeout: 90)
        #expect(status != nil, "the daemon exits once a service failed: \(daemon.log)")
        // Exit 1 after stopping its services, not the lifecycle's fatalError once cancellation
        // outlasted its bound (a signal): that would mean a service ignored cancellation.
        #expect(status == 1 && daemon.process.terminationReason == .exit, "and says so in its exit status")
        #expect(daemon.log.contains("forwarder exited unexpectedly"), "\(daemon.log)")
        #expect(daemon.log.contains("stopping because a service failed"), "\(daemon.log)")
    }

    /// The watchdog is fed while ingest makes progress and not once it stalls: a frame arrives while
    /// another process holds LMDB's writer lock, so the commit thread blocks. When the lock is
    /// released, the frame is committed and the watchdog is fed again.
    @Test func watchdogStopsWhileIngestStalls() throws {
        let harness = try DaemonHarness()
        let notifyPath = harness.directory.appending("notify.sock")
        let listener = bindUnixDatagramSocket(at: notifyPath)
        try #require(listener >= 0)
        defer { close(listener) }
        var limit = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        func next() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(listener, $0.baseAddress, $0.count, 0) }
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }
        /// Reads notifications until `condition` holds for one, at most `count`.
        func until(_ count: Int, _ condition: (String) -> Bool) -> Bool {
            for _ in 0..<count { guard let message = next() else { return false }; if condition(message) { return true } }
            return false
        }
        // WATCHDOG_USEC 2 s: a ping every second; the daemon counts ingest as stalled after 10 s.
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", harness.socket, "--spool", harness.spool, "--no-forward"],
            logPath: harness.directory.appending("daemon.log"),
            environment: ["NOTIFY_SOCKET": notifyPath, "WATCHDOG_USEC": "2000000"])
        #expect(until(10) { $0.contains("READY=1") }, "\(daemon.log)")
        #expect(until(10) { $0.contains("WATCHDOG=1") }, "fed while ingest makes progress")
        let holder = try ChildProcess(
            TestPaths.buildProducts.appendingPathComponent("spool-torture"), ["hold-write-txn", harness.spool],
            logPath: harness.directory.appending("holder.log"), standardOutputToLog: true)
        #expect(waitUntil(timeout: 30) { holder.log.contains("ready") }, "\(holder.log)")
        let writer = try harness.writer(name: "w", frames: 1, rate: 10)
        #expect(writer.wait(timeout: 30) == 0)
        // Within the 10 s window pings may go on; after it, none: wait for a run of 3 without one.
        var withoutPing = 0
        for _ in 0..<60 where withoutPing < 3 {
            guard let message = next() else { break }
            withoutPing = message.contains("WATCHDOG=1") ? 0 : withoutPing + 1
        }
        #expect(withoutPing == 3, "no WATCHDOG=1 while the commit thread is stuck: \(daemon.log)")
        #expect((try? harness.stats())?["accepted"]?.intValue ?? 0 == 0, "the frame is not committed yet")
        holder.killHard()
        #expect(until(30) { $0.contains("WATCHDOG=1") }, "fed again once commits go through")
        #expect(waitUntil(timeout: 30) { (try? harness.stats())?["accepted"]?.intValue == 1 })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0, "\(daemon.log)")
    }

    /// CPU time (user + system) the process used so far, in clock ticks (/proc/PID/stat fields 14, 15).
    static func cpuTicks(_ pid: Int32) -> Int? {
        ProcessStat(pid: pid).map { Int($0.cpuTicks) }
    }

    /// The soft `RLIMIT_NOFILE` of the process, from /proc/PID/limits.
    static func softDescriptorLimit(_ pid: Int32) -> Int? {
        guard let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
              let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return line.split(separator: " ").dropFirst(3).first.flatMap { Int($0) }
    }

    /// The descriptor number the process's next open or accept gets (the lowest free one): with
    /// `RLIMIT_NOFILE` at this number, that call fails with EMFILE.
    static func lowestFreeDescriptor(_ pid: Int32) -> Int {
        let open = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int($0) })
        return (0...open.count).first { !open.contains($0) } ?? open.count
    }

    /// At the descriptor limit, `accept` fails with EMFILE and the connection stays queued: the
    /// endpoint must pause instead of polling the listener again at once (it used to spin at 100%
    /// CPU), say so once, and serve again when descriptors are free.
    @Test func metricsEndpointOutOfDescriptors() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--metrics-listen", "127.0.0.1:0"])
        let port = try #require(Self.metricsPort(daemon), "\(daemon.log)")
        #expect(httpGet(port: port, path: "/metrics")?.status == 200)
        // The ingest worker serves the metrics; the supervising parent only holds the socket.
        let pid = try #require(ingestWorker(of: daemon.pid), "\(daemon.log)")
        // No descriptor to spare, so the first accept fails. Only the soft limit: raising a hard
        // limit again needs CAP_SYS_RESOURCE, which a container may lack.
        let limit = Self.lowestFreeDescriptor(pid)
        let original = try #require(Self.softDescriptorLimit(pid))
        let lowered = try runProcess(URL(fileURLWithPath: "/usr/bin/prlimit"), ["--pid", "\(pid)", "--nofile=\(limit):"])
        try #require(lowered.status == 0, "\(lowered.stderrText)")
        // The connections wait in the listen queue: the listener stays readable while accept fails.
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<10 { clients.append(connectTCP(port: port)) }
        #expect(waitUntil(timeout: 30) { daemon.log.contains("cannot accept connections") }, "\(daemon.log)")
        let before = try #require(Self.cpuTicks(pid))
        Thread.sleep(forTimeInterval: 5)  // measuring CPU use over an interval, not waiting for a condition
        let after = try #require(Self.cpuTicks(pid))
        // The old loop spun: 107 ticks (100 Hz) in 3 s on a busy 2-core machine, up to a whole core.
        // An idle daemon (ingest polls every 100 ms) uses a few ticks, also under load.
        #expect(after - before < 40, "no busy loop at the descriptor limit: \(after - before) ticks in 5 s")
        clients.forEach { close($0) }
        clients = []
        let raised = try runProcess(URL(fileURLWithPath: "/usr/bin/prlimit"), ["--pid", "\(pid)", "--nofile=\(original):"])
        try #require(raised.status == 0, "\(raised.stderrText)")
        #expect(waitUntil(timeout: 30) { httpGet(port: port, path: "/metrics")?.status == 200 }, "serves again")
        let metrics = parsePrometheus(try #require(httpGet(port: port, path: "/metrics")).body)
        #expect((metrics["dhcpkafka_metrics_accept_errors_total"] ?? 0) >= 1, "\(metrics)")
        #expect(daemon.log.contains("metrics endpoint accepts connections again"), "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0, "\(daemon.log)")
    }
}

/// A TCP connection to 127.0.0.1:`port` that sends nothing, or -1 when it failed or was not
/// established within `timeout` seconds (a full listen queue makes a blocking connect wait minutes).
func connectTCP(port: UInt16, timeout: Int32 = 10) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { return -1 }
    let connected = connectToLoopback(fd, port: port)
    var waiter = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    var error: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard connected == 0 || (errno == EINPROGRESS && poll(&waiter, 1, timeout * 1000) == 1
                             && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) else {
        close(fd)
        return -1
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    return fd
}

/// The status of `GET /metrics` on a new connection, or nil when connecting, sending or the answer
/// took longer than `timeout` seconds each.
func scrapeStatus(port: UInt16, timeout: Int = 8) -> Int? {
    let fd = connectTCP(port: port, timeout: Int32(timeout))
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var limit = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
    var head = [UInt8](repeating: 0, count: 64)
    let n = head.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    guard n > 12 else { return nil }
    return Int(String(decoding: head[9..<12], as: UTF8.self))
}
