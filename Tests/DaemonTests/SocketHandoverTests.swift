import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// The socket outlives the process that reads it: the ingest worker is SIGKILLed again and again
/// under load while `dhcpkafka run`'s supervising parent keeps the socket, and the whole service is
/// killed and restarted while a systemd-like holder keeps it. Every frame a writer counted as sent
/// is stored exactly once, or at most as often as the daemon counted as possibly repeated; no
/// writer ever sees "connection refused". A descriptor that is not the configured Unix datagram
/// socket is refused, naming what it is.
@Suite(.serialized) struct SocketHandoverTests {
    /// The `dhcpkafka send --json` counters of a finished writer.
    private func counters(_ writer: ChildProcess) throws -> JSONValue {
        try JSONValue.parse(writer.standardOutput())
    }

    /// Checks the spool against what the writers logged as sent; returns (stored, duplicates).
    private func checkStored(_ harness: DaemonHarness, names: [String]) throws -> (stored: Int, duplicates: Int, sent: Int) {
        let stored = try harness.storedFrames()
        var duplicates = 0
        var sentTotal = 0
        for name in names {
            let sent = try harness.sentTimestamps(name)
            sentTotal += sent.count
            let mine = stored.filter { $0.frame.serverName == name }.map(\.frame.timestampIn)
            let distinct = Set(mine)
            duplicates += mine.count - distinct.count
            let missing = Set(sent).subtracting(distinct)
            #expect(missing.isEmpty, "\(name): \(missing.count) of \(sent.count) frames the writer sent are not in the spool")
            #expect(distinct.isSubset(of: Set(sent)), "\(name): the spool holds frames the writer never sent")
        }
        return (stored.count, duplicates, sentTotal)
    }

    /// 25 SIGKILLs of the ingest worker at random moments (also while it starts) under load from
    /// three writer processes: the parent restarts it at once on the same socket.
    @Test(.heavy) func ingestWorkerKilledRepeatedlyUnderLoadLosesNothingSent() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--durability", "nometasync"])
        let names = (0..<3).map { "w\($0)" }
        let writers = try names.map { try harness.writer(name: $0, frames: 60_000, rate: 2_000) }
        var rng = SplitMix64(seed: 0x50CE7)
        var kills = 0
        var previous: Int32 = 0
        for round in 0..<25 {
            var worker: Int32 = 0
            let found = waitUntil(timeout: 120) {
                worker = ingestWorker(of: daemon.pid) ?? 0
                return worker != 0 && worker != previous
            }
            try #require(found && daemon.process.isRunning, "round \(round): no new ingest worker: \(daemon.log)")
            usleep(UInt32(rng.next() % 500_000))
            #expect(kill(worker, SIGKILL) == 0)
            kills += 1
            previous = worker
        }
        // The last one killed is replaced too (crash-loop backoff may delay it a few seconds).
        #expect(waitUntil(timeout: 120) { (ingestWorker(of: daemon.pid) ?? previous) != previous }, "\(daemon.log)")
        for writer in writers { #expect(writer.wait(timeout: 300) == 0, "\(writer.log)") }
        var sent: Int64 = 0
        for writer in writers {
            let json = try counters(writer)
            sent += json["sent"]?.intValue ?? 0
            #expect(json["dropped_daemon_down"]?.intValue == 0, "a writer saw the socket refused: \(json)")
        }
        #expect(waitUntil(timeout: 120) { ((try? harness.stats())?["received"]?.intValue ?? 0) >= sent }, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 60) == 0, "\(daemon.log)")
        let stats = try harness.stats()
        let repeated = stats["possibly_repeated"]?.intValue ?? -1
        let counted = daemon.log.range(of: #"ingest_worker_restarts=(\d+)"#, options: .regularExpression)
            .flatMap { Int64(daemon.log[$0].split(separator: "=")[1]) }
        #expect(counted == Int64(kills), "the supervisor counted every death: \(daemon.log)")
        #expect(stats["ingest_restarts"]?.intValue == counted, "the spool's counter caught up: \(stats)")
        let (stored, duplicates, logged) = try checkStored(harness, names: names)
        #expect(Int64(logged) == sent)
        #expect(Int64(duplicates) <= repeated, "\(duplicates) frames stored twice, \(repeated) counted as possibly repeated")
        let skipped = stats["repeats_skipped"]?.intValue ?? -1
        print("worker crash test: \(kills) SIGKILLs, \(sent) sent, \(stored) stored, \(duplicates) duplicates, "
              + "\(repeated) counted as possibly repeated, \(skipped) committed frames found queued again and skipped, 0 refused")
    }

    /// A systemd-like holder binds the socket and passes it (LISTEN_FDS); the whole service is
    /// SIGKILLed (its worker dies with it) and stopped gracefully, and the holder starts it again
    /// at once: the queue survives, so nothing a writer sent is lost or refused.
    @Test(.heavy) func wholeServiceRestartsUnderSystemdLikeHolderKeepTheQueue() throws {
        try HostSettings.withDatagramQueueLength(atLeast: 4096) {
            let harness = try DaemonHarness()
            let holder = try ChildProcess(
                TestPaths.python,
                [TestPaths.interopScripts.appendingPathComponent("socket_activate.py").path, harness.socket, "--",
                 TestPaths.dhcpkafka.path, "run", "--socket", harness.socket, "--spool", harness.spool, "--no-forward"],
                logPath: harness.directory.appending("holder.log"), standardOutputToLog: true)
            defer { holder.killHard() }
            func service() -> Int32? {
                _ = waitUntil(timeout: 60) { holder.log.contains(" ready") }
                return holder.log.split(separator: "\n").last { $0.hasPrefix("started ") }.flatMap { Int32($0.split(separator: " ")[1]) }
            }
            var services = Set<Int32>()
            let writer = try harness.writer(name: "w", frames: 40_000, rate: 2_000)
            var rng = SplitMix64(seed: 0xAC71)
            for round in 0..<8 {
                var pid: Int32 = 0
                let started = waitUntil(timeout: 120) {
                    pid = service() ?? 0
                    return pid != 0 && !services.contains(pid) && ingestWorker(of: pid) != nil
                }
                try #require(started, "round \(round): the service did not start again: \(holder.log)")
                services.insert(pid)
                usleep(UInt32(300_000 + rng.next() % 700_000))
                // Mostly crashes; every fourth a graceful stop (the socket stays with the holder).
                #expect(kill(pid, round % 4 == 3 ? SIGTERM : SIGKILL) == 0)
            }
            #expect(writer.wait(timeout: 300) == 0, "\(writer.log)")
            let json = try counters(writer)
            let sent = json["sent"]?.intValue ?? 0
            #expect(json["dropped_daemon_down"]?.intValue == 0, "the writer saw the socket refused: \(json)")
            #expect(waitUntil(timeout: 120) { ((try? harness.stats())?["received"]?.intValue ?? 0) >= sent }, "\(holder.log)")
            holder.signal(SIGTERM)
            #expect(holder.wait(timeout: 60) == 0, "\(holder.log)")
            let last = holder.log.split(separator: "\n").last { $0.hasPrefix("exited ") }
            #expect(last?.hasSuffix(" 0") == true, "the last service stopped gracefully: \(holder.log)")
            let stats = try harness.stats()
            let repeated = stats["possibly_repeated"]?.intValue ?? -1
            let (stored, duplicates, logged) = try checkStored(harness, names: ["w"])
            #expect(Int64(logged) == sent)
            #expect(Int64(duplicates) <= repeated, "\(duplicates) frames stored twice, \(repeated) counted as possibly repeated")
            print("service restart test: 8 restarts, \(sent) sent, \(stored) stored, \(duplicates) duplicates, \(repeated) possibly repeated, "
                  + "\(stats["repeats_skipped"]?.intValue ?? -1) skipped")
        }
    }

    /// A TCP socket, or a Unix datagram socket bound elsewhere, passed as the ingest socket: `run`
    /// refuses it (exit 1) and says what it got and what to change; nothing is bound at the path.
    @Test(arguments: [("tcp", "IPv4 stream socket"), ("elsewhere", "make ListenDatagram= in the socket unit")])
    func wrongPassedSocketIsRefused(kind: String, expected: String) throws {
        let harness = try DaemonHarness()
        let holder = try ChildProcess(
            TestPaths.python,
            [TestPaths.interopScripts.appendingPathComponent("socket_activate.py").path, "--kind", kind, "--once",
             harness.socket, "--", TestPaths.dhcpkafka.path, "run", "--socket", harness.socket, "--spool", harness.spool,
             "--no-forward"],
            logPath: harness.directory.appending("holder.log"), standardOutputToLog: true)
        #expect(holder.wait(timeout: 120) == 0, "\(holder.log)")
        #expect(holder.log.contains(" 1\n"), "run exits 1: \(holder.log)")
        #expect(holder.log.contains(expected), "\(holder.log)")
        #expect(!holder.log.contains(" ready"), "\(holder.log)")
        #expect(!socketExists(harness.socket))
    }
}
