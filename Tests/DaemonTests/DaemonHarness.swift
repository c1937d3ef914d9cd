import DHCPKafkaSpool
import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// One daemon's socket and spool in a temporary directory, and ways to run and inspect it.
final class DaemonHarness {
    let directory: TemporaryDirectory
    let socket: String
    var spool: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "dk-daemon")
        socket = directory.appending("ingest.sock")
        spool = directory.appending("spool")
    }

    /// Starts `dhcpkafka run` and waits until it logged that it is ready (its socket is bound).
    /// Without `--broker` in `extra`, the daemon runs ingest only (`--no-forward`).
    ///
    /// Not the socket file alone: a SIGKILLed daemon leaves its socket file behind, so it exists
    /// before the new daemon has even opened the spool (which walks an existing spool first), and a
    /// SIGTERM sent then would find the daemon without its signal handlers.
    func start(_ extra: [String] = [], log: String = "daemon.log") throws -> ChildProcess {
        let forwarding = extra.contains("--broker") ? [] : ["--no-forward"]
        let daemon = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--socket", socket, "--spool", spool] + forwarding + extra,
            logPath: directory.appending(log))
        let ready = { daemon.log.contains(" ready") && socketExists(self.socket) }
        guard waitUntil(timeout: 60, { ready() || !daemon.process.isRunning }), daemon.process.isRunning else {
            daemon.killHard()
            throw SubprocessError(description: "daemon did not start: \(daemon.log)")
        }
        return daemon
    }

    /// Starts a `dhcpkafka send` writer that logs the timestamp-in of every frame it queued.
    func writer(name: String, frames: Int, rate: Int) throws -> ChildProcess {
        try ChildProcess(
            TestPaths.dhcpkafka,
            ["send", "--socket", socket, "--frames", String(frames), "--rate", String(rate), "--server-name", name,
             "--log", directory.appending("sent-\(name)"), "--json"],
            logPath: directory.appending("writer-\(name).log"))
    }

    /// The timestamps a writer logged as queued, in order.
    func sentTimestamps(_ name: String) throws -> [Double] {
        try String(contentsOfFile: directory.appending("sent-\(name).0"), encoding: .utf8)
            .split(separator: "\n").compactMap { Double($0) }
    }

    /// `dhcpkafka spool stats --json`.
    func stats() throws -> JSONValue {
        let result = try runProcess(TestPaths.dhcpkafka, ["spool", "stats", "--spool", spool, "--json", "--interval", "0"])
        guard result.status == 0 else { throw SubprocessError(description: "spool stats failed: \(result.stderrText)") }
        return try JSONValue.parse(result.stdoutText)
    }

    /// The acknowledged watermark from `dhcpkafka spool stats` (0 before anything was forwarded).
    func ackedWatermark() throws -> Int64 {
        try stats()["acked_watermark"]?.intValue ?? 0
    }

    /// Every stored frame, in sequence order, read in-process through a read-only spool handle.
    func storedFrames(from first: UInt64 = 1) throws -> [(sequence: UInt64, frame: DHCPKafkaMessage)] {
        let reader = try Spool.openReadOnly(at: spool)
        defer { try? reader.close() }
        var out: [(UInt64, DHCPKafkaMessage)] = []
        var next = first
        while true {
            let chunk = try reader.read(from: next, maxFrames: 10_000)
            guard let last = chunk.last else { break }
            for stored in chunk {
                let frame = try #require(try KafkaMessageRegistry.standard.decodeFrame(stored.bytes) as? DHCPKafkaMessage)
                out.append((stored.sequence, frame))
            }
            next = last.sequence + 1
        }
        return out
    }
}
