import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// `dhcpkafka run --config`: the file's settings in a real daemon, command-line precedence, and
/// SIGHUP reloads (applied, needs-a-restart, and a broken file that changes nothing).
@Suite(.serialized) struct ConfigDaemonTests {
    let directory: TemporaryDirectory
    let config: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "dk-confd")
        config = directory.appending("dhcpkafka.conf")
    }

    func write(_ text: String) throws { try text.write(toFile: config, atomically: true, encoding: .utf8) }

    /// Starts `run --config` and waits for `socket` (a path from the file or the command line).
    func start(_ extra: [String] = [], socket: String) throws -> ChildProcess {
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--config", config] + extra, logPath: directory.appending("daemon.log"))
        guard waitUntil(timeout: 10, { socketExists(socket) || !daemon.process.isRunning }), daemon.process.isRunning else {
            daemon.killHard()
            throw SubprocessError(description: "daemon did not start: \(daemon.log)")
        }
        return daemon
    }

    func send(_ frames: Int, to socket: String) throws {
        let result = try runProcess(
            TestPaths.dhcpkafka, ["send", "--socket", socket, "--frames", String(frames), "--rate", "2000"], timeout: 30)
        #expect(result.status == 0, "\(result.stderrText)")
    }

    func storedFrames(_ spool: String) throws -> Int64? {
        let result = try runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json"])
        return try JSONValue.parse(result.stdoutText)["stored_frames"]?.intValue
    }

    @Test func socketAndSpoolComeFromTheFile() throws {
        let socket = directory.appending("from-file.sock")
        let spool = directory.appending("file-spool")
        try write(
            """
            <socket>
                path \(socket)
                mode 0600
            </socket>
            <spool>
                path \(spool)
                capacity 2M
            </spool>
            """)
        let daemon = try start(["--no-forward"], socket: socket)
        var info = stat()
        #expect(lstat(socket, &info) == 0 && info.st_mode & 0o777 == 0o600, "mode from the file")
        try send(25, to: socket)
        #expect(waitUntil(timeout: 10) { (try? storedFrames(spool)) == 25 })
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)
        let stats = try JSONValue.parse(
            try runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json"]).stdoutText)
        #expect(stats["capacity_bytes"]?.intValue == 2 << 20, "\(stats)")
        #expect(daemon.log.contains("config=\(config)"))
    }

    @Test func commandLineOverridesTheFile() throws {
        let fileSocket = directory.appending("file.sock")
        let cliSocket = directory.appending("cli.sock")
        let spool = directory.appending("spool")
        try write("<socket>\n path \(fileSocket)\n</socket>\n<spool>\n path \(spool)\n</spool>\n")
        let daemon = try start(["--no-forward", "--socket", cliSocket], socket: cliSocket)
        #expect(!FileManager.default.fileExists(atPath: fileSocket))
        try send(5, to: cliSocket)
        #expect(waitUntil(timeout: 10) { (try? storedFrames(spool)) == 5 }, "the spool still comes from the file")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 20) == 0)
    }

    /// The settings of the reload test: no broker listens on port 9, so the forwarder retries and
    /// holds nothing in flight; short timeouts keep each forwarder restart quick.
    func reloadConfig(socket: String, spool: String, level: String, backoffMin: String, capacity: String, topic: String) -> String {
        """
        <send-to-kafka>
            broker 127.0.0.1:9
            topic \(topic)
            server-name reload-test
        </send-to-kafka>
        <socket>
            path \(socket)
        </socket>
        <spool>
            path \(spool)
            capacity \(capacity)
        </spool>
        <forwarder>
            backoff-min \(backoffMin)
            backoff-max 5
            message-timeout 1
            shutdown-timeout 1
            kafka-property sasl.password first-secret
        </forwarder>
        <logging>
            level \(level)
        </logging>
        """
    }

    /// The command line of the forwarder child started last (from its "started forwarder" line).
    /// The daemon logs that line just after `fork`, so until the child has called `execve` its
    /// command line is still the daemon's own: wait for `forward` to be the subcommand.
    func forwarderCommandLine(_ daemon: ChildProcess, startedCount: Int) throws -> [String] {
        #expect(waitUntil(timeout: 15) { daemon.log.components(separatedBy: "started forwarder").count - 1 >= startedCount })
        let line = try #require(daemon.log.split(separator: "\n").last { $0.contains("started forwarder") })
        let pid = try #require(line.range(of: "pid=").map { line[$0.upperBound...].prefix { $0.isNumber } })
        var arguments: [String] = []
        let executed = waitUntil(timeout: 15) {
            guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
            arguments = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.dropFirst().first == "forward"
        }
        #expect(executed, "forwarder \(pid) never ran `forward`: \(arguments)")
        return arguments
    }

    @Test func sighupAppliesWhatItCanAndReportsTheRest() throws {
        let socket = directory.appending("ingest.sock")
        let spool = directory.appending("spool")
        // Debug at start: the lifecycle then logs every service, and none may show the secret.
        try write(reloadConfig(socket: socket, spool: spool, level: "debug", backoffMin: "0.1", capacity: "1G", topic: "t.one"))
        let daemon = try start([], socket: socket)
        let first = try forwarderCommandLine(daemon, startedCount: 1)
        #expect(first.contains("0.1") && first.contains("t.one"))
        #expect(!first.joined(separator: " ").contains("first-secret"), "secrets stay off the child's command line")

        // 1. Level, backoff: applied. Capacity, topic: need a restart.
        try write(reloadConfig(socket: socket, spool: spool, level: "info", backoffMin: "0.5", capacity: "2G", topic: "t.two"))
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 10) { daemon.log.contains("applied <logging> level info (was debug)") }, "\(daemon.log)")
        let log = daemon.log
        #expect(log.contains("applied <forwarder> backoff-min 0.5 (was 0.1) by restarting the forwarder"))
        #expect(log.contains("<spool> capacity changed to 2G in \(config); needs a restart; still using 1G"))
        #expect(log.contains("<send-to-kafka> topic changed to t.two in \(config); needs a restart; still using t.one"))
        #expect(!log.contains("<forwarder> backoff-max"), "unchanged keys are not reported")
        let second = try forwarderCommandLine(daemon, startedCount: 2)
        #expect(daemon.log.contains("forwarder stopped for a restart"))
        #expect(!daemon.log.contains("exited unexpectedly"))
        let backoff = try #require(second.firstIndex(of: "--backoff-min"))
        #expect(second[backoff + 1] == "0.5")
        #expect(second.contains("t.one") && !second.contains("t.two"), "the topic needs a restart: the forwarder keeps the old one")
        let level = try #require(second.firstIndex(of: "--log-level"))
        #expect(second[level + 1] == "info")

        // 2. A broken file: reported with file:line, nothing changes, the daemon keeps working.
        try write("<forwarder>\n    backoff-min 1\n    backof-max 2\n</forwarder>\n")
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 10) { daemon.log.contains("\(config):3: unknown key 'backof-max'") }, "\(daemon.log)")
        #expect(daemon.log.contains("config reload failed, keeping the running configuration"))
        #expect(daemon.process.isRunning)
        try send(10, to: socket)
        #expect(waitUntil(timeout: 10) { (try? storedFrames(spool)) == 10 })

        // 3. Level warning is live: the next reload's notices are not logged, its warnings are.
        try write(reloadConfig(socket: socket, spool: spool, level: "warning", backoffMin: "0.5", capacity: "3G", topic: "t.one"))
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 10) { daemon.log.contains("capacity changed to 3G") })
        try write(reloadConfig(socket: socket, spool: spool, level: "warning", backoffMin: "0.5", capacity: "4G", topic: "t.one"))
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 10) { daemon.log.contains("capacity changed to 4G in \(config); needs a restart; still using 1G") })
        #expect(daemon.log.components(separatedBy: "SIGHUP: reloading the configuration").count - 1 == 3)
        #expect(!daemon.log.contains("first-secret"))
        #expect(daemon.log.contains("applied <logging> level warning") == false, "logged after the level changed: filtered")

        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }

    /// The ingest worker parses no command line and never reads the file: it runs with the settings
    /// its supervising parent resolved, a reload reaches the running worker from the parent, and a
    /// worker started after the reload (the last one SIGKILLed) starts with the reloaded settings.
    @Test func reloadReachesTheIngestWorker() throws {
        let socket = directory.appending("ingest.sock")
        let spool = directory.appending("spool")
        func settings(_ level: String) -> String {
            "<socket>\n    path \(socket)\n</socket>\n<spool>\n    path \(spool)\n</spool>\n<logging>\n    level \(level)\n</logging>\n"
        }
        try write(settings("info"))
        let daemon = try start(["--no-forward"], socket: socket)
        defer { daemon.killHard() }
        let readyLines = { daemon.log.split(separator: "\n").filter { $0.hasSuffix(" ready") }.count }
        #expect(waitUntil(timeout: 30) { readyLines() == 1 }, "\(daemon.log)")
        let worker = try #require(ingestWorker(of: daemon.pid), "\(daemon.log)")
        let command = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(worker)/cmdline"))
        #expect(command.split(separator: 0).dropFirst().map { String(decoding: $0, as: UTF8.self) } == ["ingest-worker"])

        // The worker logs a SIGHUP sent to it only at debug level: proof of the level it runs with.
        let ignored = "SIGHUP in the ingest worker: ignored"
        try write(settings("debug"))
        daemon.signal(SIGHUP)
        #expect(waitUntil(timeout: 15) { daemon.log.contains("applied <logging> level debug (was info)") }, "\(daemon.log)")
        // Sent again until seen: the new level reaches the worker just after the parent's line.
        #expect(waitUntil(timeout: 15) { kill(worker, SIGHUP) == 0 && daemon.log.contains(ignored) }, "\(daemon.log)")

        kill(worker, SIGKILL)
        var successor: Int32 = 0
        #expect(waitUntil(timeout: 60) {
            successor = ingestWorker(of: daemon.pid) ?? 0
            return successor != 0 && successor != worker && readyLines() == 2
        }, "\(daemon.log)")
        let before = daemon.log.components(separatedBy: ignored).count
        #expect(waitUntil(timeout: 15) { kill(successor, SIGHUP) == 0 && daemon.log.components(separatedBy: ignored).count > before },
                "a worker started after the reload runs at the reloaded level: \(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0, "\(daemon.log)")
    }
}
