import DHCPKafkaTestSupport
import Foundation
import JSONValue
import Testing

/// A daemon (`dhcpkafka run --no-forward`) with its socket and spool in a temporary directory,
/// filled by the real load generator (`dhcpkafka send`), for the spool inspection commands.
final class InspectionHarness: @unchecked Sendable {
    let directory: TemporaryDirectory
    let socket: String
    let spool: String
    private(set) var daemon: ChildProcess?

    init() throws {
        directory = try TemporaryDirectory(prefix: "dk-inspect")
        socket = directory.appending("ingest.sock")
        spool = directory.appending("spool")
    }

    /// Starts the daemon with `options` after its socket and spool, and waits until its socket exists.
    func start(options: [String] = ["--no-forward"]) throws {
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", socket, "--spool", spool] + options,
            logPath: directory.appending("daemon.log"))
        guard waitUntil(timeout: 60, { socketExists(socket) || !daemon.process.isRunning }), daemon.process.isRunning else {
            daemon.killHard()
            throw SubprocessError(description: "daemon did not start: \(daemon.log)")
        }
        self.daemon = daemon
    }

    /// Stops the daemon gracefully (it commits everything it received) and waits for it.
    func stop() throws {
        guard let daemon else { return }
        daemon.signal(SIGTERM)
        guard daemon.wait(timeout: 60) == 0 else { throw SubprocessError(description: "daemon did not stop: \(daemon.log)") }
        self.daemon = nil
    }

    /// Sends `frames` frames labelled `server` and waits until the daemon accepted all of them.
    func send(_ frames: Int, server: String, rate: Int = 0) throws {
        let before = try accepted()
        let result = try runProcess(
            TestPaths.dhcpkafka,
            ["send", "--socket", socket, "--frames", String(frames), "--rate", String(rate), "--server-name", server, "--json"])
        let counters = try JSONValue.parse(result.stdoutText)
        guard result.status == 0, counters["sent"]?.intValue == Int64(frames) else {
            throw SubprocessError(description: "send did not send \(frames) frames: \(result.stdoutText) \(result.stderrText)")
        }
        guard waitUntil(timeout: 60, { (try? self.accepted()) == before + frames }) else {
            throw SubprocessError(description: "the daemon did not accept \(frames) frames: \(daemon?.log ?? "")")
        }
    }

    /// `accepted` from `spool stats --json --interval 0`.
    func accepted() throws -> Int {
        guard FileManager.default.fileExists(atPath: spool + "/data.mdb") else { return 0 }
        return Int(try stats()["accepted"]?.intValue ?? -1)
    }

    /// `spool stats --json` with the given interval.
    func stats(interval: String = "0") throws -> JSONValue {
        let result = try cli(["spool", "stats", "--json", "--interval", interval])
        guard result.status == 0 else { throw SubprocessError(description: "spool stats failed: \(result.stderrText)") }
        return try JSONValue.parse(result.stdoutText)
    }

    /// Runs `dhcpkafka ARGUMENTS --spool SPOOL` (the spool option appended unless given).
    func cli(_ arguments: [String], spool: String? = nil) throws -> ProcessResult {
        try runProcess(TestPaths.dhcpkafka, arguments + ["--spool", spool ?? self.spool], timeout: 60)
    }

    /// The JSON objects of a `--json` listing, one per line.
    static func jsonLines(_ result: ProcessResult) throws -> [JSONValue] {
        try result.stdoutText.split(separator: "\n").map { line throws(JSONParseError) in try JSONValue.parse(String(line)) }
    }
}

/// A spool filled once by a real daemon (40 frames from server `alpha`, then 10 from `beta`) and
/// stopped, shared by the read-only tests; removed when the test process exits.
final class FilledSpool: Sendable {
    let harness: InspectionHarness
    /// `spool list --json --limit 0` of the whole spool.
    let frames: [JSONValue]

    static let alphaFrames = 40
    static let betaFrames = 10

    private static let shared = Result { try FilledSpool() }

    /// The shared spool, made on first use.
    static func get() throws -> FilledSpool { try shared.get() }

    private init() throws {
        harness = try InspectionHarness()
        try harness.start()
        try harness.send(Self.alphaFrames, server: "alpha", rate: 5000)
        try harness.send(Self.betaFrames, server: "beta")
        try harness.stop()
        let listed = try harness.cli(["spool", "list", "--json", "--limit", "0"])
        guard listed.status == 0 else { throw SubprocessError(description: "spool list failed: \(listed.stderrText)") }
        frames = try InspectionHarness.jsonLines(listed)
        atexit {
            if case .success(let fixture) = FilledSpool.shared { fixture.harness.directory.remove() }
        }
    }

    var spool: String { harness.spool }
}
