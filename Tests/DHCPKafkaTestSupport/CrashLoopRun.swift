import DHCPKafkaSpool
import Foundation
import JSONValue
import Testing

/// The processes and counts of one ``CrashLoop`` run.
final class CrashLoopRun {
    let loop: CrashLoop
    let broker: CrashLoopBroker
    let directory: TemporaryDirectory
    let socket: String
    let spool: String
    let started = Date()
    let ingest: ChildProcess
    var writers: [ChildProcess] = []
    var names: [String] { (0..<loop.writers).map { "w\($0)" } }
    var forwarder: ChildProcess?
    var forwarders = 0
    var forwarderStartWatermark: UInt64 = 0
    var workerPid: Int32 = 0
    var workerStartReceived: UInt64 = 0
    var killedWorker: Int32 = 0
    var brokerDown = false
    var outagesDone = 0
    var tally = KillTally()
    /// What happened when, for reports: kills, forwarder starts, broker outages.
    var timeline: [String] = []

    init(_ loop: CrashLoop, broker: CrashLoopBroker) throws {
        self.loop = loop
        self.broker = broker
        directory = try TemporaryDirectory(prefix: "dk-crashloop")
        socket = directory.appending("ingest.sock")
        spool = directory.appending("spool")
        ingest = try ChildProcess(
            TestPaths.dhcpkafka, ["run", "--no-forward", "--socket", socket, "--spool", spool, "--durability", "nometasync"],
            logPath: directory.appending("ingest.log"))
        // The parent binds the socket before its worker made the spool: wait for both.
        let spool = self.spool
        try #require(waitUntil(timeout: 60) { socketExists(self.socket) && Self.stats(spool) != nil }, "\(ingest.log)")
        try startForwarder()
        for name in names {
            writers.append(try ChildProcess(
                TestPaths.dhcpkafka,
                ["send", "--socket", socket, "--frames", String(Int(Double(loop.rate) * loop.seconds)), "--rate", String(loop.rate),
                 "--server-name", name, "--log", directory.appending("sent-\(name)"), "--json"],
                logPath: directory.appending("writer-\(name).log")))
        }
    }

    func note(_ event: String) {
        timeline.append(String(format: "%7.2f s ", Date().timeIntervalSince(started)) + event)
    }

    deinit {
        // A failed run: never leave the broker stopped (tansu) or processes behind.
        if brokerDown { try? broker.bringUp() }
    }

    /// The spool's stats, read in-process through a read-only handle (nil before the spool exists).
    static func stats(_ spool: String) -> SpoolStats? {
        guard let reader = try? Spool.openReadOnly(at: spool) else { return nil }
        defer { try? reader.close() }
        return try? reader.stats()
    }

    var stats: SpoolStats? { Self.stats(spool) }
    var received: UInt64 { stats?.counters["received"] ?? 0 }
    var watermark: UInt64 { stats?.ackedWatermark ?? 0 }

    func startForwarder() throws {
        forwarderStartWatermark = watermark
        forwarders += 1
        note("forwarder \(forwarders) starts at watermark \(forwarderStartWatermark)")
        forwarder = try ChildProcess(
            TestPaths.dhcpkafka,
            ["forward", "--spool", spool, "--broker", broker.bootstrapServers, "--max-in-flight-frames", String(loop.window)],
            logPath: directory.appending("forward-\(forwarders).log"), environment: broker.forwarderEnvironment)
    }

    /// The pid in the forwarder's status file (written once its loop runs, then every 2 s).
    var forwarderStatusPid: Int32 {
        let path = spool + "/forwarder.status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let json = try? JSONValue.parse(text) else { return 0 }
        return Int32(json["pid"]?.intValue ?? 0)
    }

    /// Whether the forwarder has done work: moved the acknowledged watermark since it started, or,
    /// with the broker away, runs its loop (it produces into librdkafka or waits to scan Kafka).
    var forwarderWorked: Bool {
        guard let forwarder, forwarder.process.isRunning else { return false }
        return watermark > forwarderStartWatermark || (brokerDown && forwarderStatusPid == forwarder.pid)
    }

    /// Whether a worker other than the last one killed runs and has committed frames since it was found.
    var workerWorked: Bool {
        guard let pid = ingestWorker(of: ingest.pid), pid != killedWorker else { return false }
        if pid != workerPid {
            workerPid = pid
            workerStartReceived = received
            return false
        }
        return received > workerStartReceived
    }

    var writersRunning: Bool { writers.contains { $0.process.isRunning } }

    /// `loop.kills` rounds: broker events at outage bounds, a random pause, a kill.
    func killLoop() throws {
        var rng = SplitMix64(seed: loop.seed)
        var plan = Array(repeating: true, count: loop.kills / 2) + Array(repeating: false, count: loop.kills - loop.kills / 2)
        plan.shuffle(using: &rng)
        let end = started.addingTimeInterval(loop.seconds - 5)
        for (round, killsWorker) in plan.enumerated() {
            guard writersRunning else {
                tally.notReady.append("round \(round): the writers had finished")
                break
            }
            if loop.outages.contains(where: { $0.lowerBound == round }), !brokerDown {
                try broker.takeDown()
                brokerDown = true
                note("broker down")
            }
            if loop.outages.contains(where: { $0.upperBound == round }), brokerDown {
                try broker.bringUp()
                brokerDown = false
                outagesDone += 1
                note("broker up")
            }
            // Spread what is left over the writers' remaining time; the waits below use the rest.
            let budget = max(0.05, end.timeIntervalSinceNow / Double(loop.kills - round))
            usleep(UInt32(budget * Double.random(in: 0.1...0.9, using: &rng) * 1_000_000))
            if killsWorker { killWorker(round, &rng) } else { try killForwarder(round, &rng) }
        }
        if brokerDown {
            try broker.bringUp()
            brokerDown = false
            outagesDone += 1
            note("broker up")
        }
    }

    func killWorker(_ round: Int, _ rng: inout SplitMix64) {
        let ready = waitUntil(timeout: 60) { self.workerWorked }
        usleep(UInt32.random(in: 0...100_000, using: &rng))
        let pid = ingestWorker(of: ingest.pid) ?? 0
        guard pid != 0, pid != killedWorker else {
            tally.notReady.append("round \(round): no ingest worker to kill")
            return
        }
        let real = ready && pid == workerPid && received > workerStartReceived
        kill(pid, SIGKILL)
        note("SIGKILL ingest worker \(pid) (received \(received))\(real ? "" : ", idle")")
        killedWorker = pid
        tally.ingestSent += 1
        if real {
            tally.ingest += 1
            if brokerDown { tally.ingestDuringOutage += 1 }
        } else {
            tally.notReady.append("round \(round): ingest worker \(pid) had committed nothing")
        }
    }

    func killForwarder(_ round: Int, _ rng: inout SplitMix64) throws {
        let ready = waitUntil(timeout: 60) { self.forwarderWorked }
        usleep(UInt32.random(in: 0...100_000, using: &rng))
        let real = ready && forwarderWorked
        let log = forwarder?.logPath ?? ""
        forwarder?.killHard()
        note("SIGKILL forwarder \(forwarders) (watermark \(watermark))\(real ? "" : ", idle")")
        if real {
            tally.forwarder += 1
            if brokerDown { tally.forwarderDuringOutage += 1 }
        } else {
            tally.notReady.append("round \(round): forwarder \(log) had done no work")
        }
        // `run`'s first restart delay (see CrashLoop).
        usleep(1_000_000)
        try startForwarder()
    }
}
