import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

@Suite(.serialized, .heavy) struct ForwarderCrashTests {
    /// SIGKILL the forwarder process again and again while writers keep sending: ingest never
    /// stops, nothing is lost, and nothing reaches Kafka twice: each new forwarder finds what its
    /// killed predecessor left in Kafka unacknowledged and skips it (docs/forwarder.md).
    @Test func sigkillTheForwarderUnderLoad() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let ingest = try harness.start()  // --no-forward: the forwarder runs as its own process here
        // 18,000 frames over about 2 minutes (each start after a kill reads back Kafka first and waits
        // 3 s for late records): new frames keep arriving through every round, so each
        // forwarder has work to do when it is killed.
        let writer = try harness.writer(name: "w", frames: 18_000, rate: 150)
        // A small window: many records in flight at every kill, few enough to be killed often.
        let window = 200
        let arguments = ["forward", "--spool", harness.spool, "--broker", cluster.bootstrapServers,
                         "--max-in-flight-frames", String(window)]
        var rng = SplitMix64(seed: 0xF0F0)
        var kills = 0
        // Kills that hit a live forwarder that had moved the acknowledged watermark since the last kill.
        var midWorkKills = 0
        var lastWatermark = try harness.ackedWatermark()
        for round in 0..<22 {
            let forwarder = try ChildProcess(TestPaths.dhcpkafka, arguments, logPath: harness.directory.appending("forward-\(round).log"))
            // Wait until this forwarder acknowledged something, then kill it at a random moment after that.
            let progressed = waitUntil(timeout: 60) { ((try? harness.ackedWatermark()) ?? 0) > lastWatermark }
            usleep(UInt32.random(in: 0...200_000, using: &rng))
            let alive = forwarder.process.isRunning
            forwarder.killHard()
            kills += 1
            if progressed && alive { midWorkKills += 1 }
            #expect(progressed && alive, "round \(round): the forwarder made no progress before the kill: \(forwarder.log)")
            lastWatermark = try harness.ackedWatermark()
        }
        #expect(midWorkKills >= 20, "\(midWorkKills) of \(kills) SIGKILLs hit a forwarder in the middle of its work")
        let forwarder = try ChildProcess(TestPaths.dhcpkafka, arguments, logPath: harness.directory.appending("forward-final.log"))
        #expect(writer.wait(timeout: 240) == 0)
        let sent = try harness.sentTimestamps("w")
        #expect(sent.count == 18_000, "ingest kept accepting while the forwarder was being killed")
        #expect(waitUntil(timeout: 60) {
            let stats = try? harness.stats()
            return stats?["stored_frames"]?.intValue == 0 && stats?["accepted"]?.intValue == Int64(sent.count)
        }, "\(forwarder.log)")
        let identity = try #require(try harness.stats()["spool_identity"]?.stringValue)
        forwarder.signal(SIGTERM)
        #expect(forwarder.wait(timeout: 30) == 0)
        ingest.signal(SIGTERM)
        #expect(ingest.wait(timeout: 30) == 0)
        let records = try cluster.readAll(expected: sent.count)
        let (duplicates, gaps) = try verifyDelivery(records, accepted: UInt64(sent.count), spoolIdentity: identity)
        let skipped = (0..<22).map { round in
            (try? String(contentsOfFile: harness.directory.appending("forward-\(round).log"), encoding: .utf8)) ?? ""
        }.filter { $0.contains("Kafka already holds records of this spool") }.count
        print("forwarder crash test: \(midWorkKills) of \(kills) SIGKILLs mid-work, \(sent.count) frames, \(duplicates) duplicates in Kafka, \(skipped) restarts found records to skip")
        #expect(gaps == 0, "nothing was evicted: the spool is far larger than 10,000 frames")
        // No broker faults here, so no rewinds: every copy beyond the first would come from a
        // restart producing again what its predecessor left in Kafka, which the startup scan prevents.
        #expect(duplicates == 0, "\(duplicates) duplicates after \(kills) kills")
        #expect(skipped >= 1, "some kill left acknowledged records past the persisted watermark, and a restart skipped them")
        #expect(!forwarder.log.contains("could not read far enough back"), "\(forwarder.log)")
    }

    /// Frames the ring evicted before they could be forwarded show up in Kafka as a gap record, in
    /// sequence position: frames and gap records together cover every sequence exactly once.
    @Test func evictedFramesBecomeGapRecords() throws {
        let cluster = try MockCluster.forTests()
        try cluster.takeBrokerDown(1)
        let harness = try DaemonHarness()
        // A small window: the forwarder cannot take every frame into librdkafka's memory before the
        // ring evicts them (with a large window they would all still be delivered, gap-free).
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--capacity", "64KiB", "--max-frames", "100",
                                        "--max-in-flight-frames", "20"])
        let writer = try harness.writer(name: "w", frames: 500, rate: 1_000)
        #expect(writer.wait(timeout: 60) == 0)
        #expect(waitUntil(timeout: 10) { (try? harness.stats())?["accepted"]?.intValue == 500 })
        #expect(try harness.stats()["evicted_frames"]?.intValue ?? 0 >= 400)
        try cluster.setBrokerUp(1)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["stored_frames"]?.intValue == 0 }, "\(daemon.log)")
        let identity = try #require(try harness.stats()["spool_identity"]?.stringValue)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        let records = try cluster.readAll(expected: 100)
        let (_, gaps) = try verifyDelivery(records, accepted: 500, spoolIdentity: identity)
        #expect(gaps >= 1, "a gap record tells consumers what was evicted")
        #expect((try harness.stats()["gap_records"]?.intValue ?? 0) >= 1)
        #expect(try harness.stats()["pending_gaps"]?.intValue == 0, "published gaps are cleared from the spool")
    }

    /// `--source-address`: the broker sees connections from the configured local address.
    @Test func sourceAddressBindsBrokerConnections() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers, "--source-address", "127.0.0.2"])
        let writer = try harness.writer(name: "w", frames: 50, rate: 500)
        #expect(writer.wait(timeout: 30) == 0)
        #expect(waitUntil(timeout: 30) { (try? harness.stats())?["forwarded"]?.intValue == 50 }, "\(daemon.log)")
        let port = try #require(cluster.bootstrapServers.split(separator: ":").last.flatMap { UInt16($0) })
        let peers = try Self.localAddresses(connectingTo: port)
        #expect(!peers.isEmpty)
        #expect(peers.allSatisfy { $0 == "127.0.0.2" }, "connections to the broker come from \(peers)")
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
    }

    /// Local IPv4 addresses of established TCP connections to 127.0.0.1:`port`, from /proc/net/tcp.
    static func localAddresses(connectingTo port: UInt16) throws -> [String] {
        let result = try runProcess(URL(fileURLWithPath: "/bin/cat"), ["/proc/net/tcp"])
        let remote = String(format: "0100007F:%04X", port)
        return result.stdoutText.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[2] == remote, fields[3] == "01" else { return nil }
            let hex = fields[1].split(separator: ":")[0]
            guard let value = UInt32(hex, radix: 16) else { return nil }
            return "\(value & 0xFF).\((value >> 8) & 0xFF).\((value >> 16) & 0xFF).\(value >> 24)"
        }
    }
}

@Suite(.serialized, .heavy) struct ForwarderFatalErrorTests {
    /// An unrecoverable idempotence error (out-of-order sequence on the broker) is fatal for the
    /// librdkafka producer: the forwarder makes a new producer and resumes from the watermark.
    ///
    /// The 300 frames after the error are all queued in librdkafka before the broker can be
    /// reached (it is down meanwhile), so each partition gets exactly one batch. That is what
    /// keeps this deterministic: librdkafka 2.0.2's mock checks idempotent sequence numbers only
    /// for transactional producers (`rd_kafka_mock_validate_records` returns at once without a
    /// TransactionalId). When the injected OUT_OF_ORDER_SEQUENCE_NUMBER fails one batch, the old
    /// producer still sends the partition's next batches (pipelined, or after the failed response
    /// and before the producer is destroyed) and the mock *appends* them; the new producer then
    /// writes the failed batch's records after them: "partition 1 out of order at 201" (loaded
    /// full-suite runs; 3 of 3 runs with 200 ms response delays, and 1 of 4 even with
    /// `max.in.flight.requests.per.connection=1`).
    /// A real broker refuses those later batches (OUT_OF_ORDER_SEQUENCE_NUMBER: their base
    /// sequence is beyond the one it expects) and writes nothing, so each partition holds a
    /// contiguous prefix and the new producer's resend from the watermark keeps it in order.
    /// See docs/forwarder.md, "Fatal producer errors".
    @Test func fatalProducerErrorIsSurvived() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers])
        let first = try harness.writer(name: "a", frames: 200, rate: 1_000)
        #expect(first.wait(timeout: 30) == 0)
        #expect(waitUntil(timeout: 30) { (try? harness.stats())?["forwarded"]?.intValue == 200 })
        try cluster.takeBrokerDown(1)
        let second = try harness.writer(name: "b", frames: 300, rate: 1_000)
        #expect(second.wait(timeout: 30) == 0)
        // Every frame produced into librdkafka's queue (the status is written every 2 s).
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarder"]?["in_flight"]?.intValue == 300 },
                "\(daemon.log)")
        // Slow responses, as on a loaded machine: whatever can be pipelined is.
        try cluster.setRTT(broker: 1, ms: 200)
        cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [.outOfOrderSequenceNumber])
        try cluster.setBrokerUp(1)
        #expect(waitUntil(timeout: 90) { (try? harness.stats())?["stored_frames"]?.intValue == 0
                                          && (try? harness.stats())?["accepted"]?.intValue == 500 }, "\(daemon.log)")
        let identity = try #require(try harness.stats()["spool_identity"]?.stringValue)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        #expect(daemon.log.contains("fatal Kafka producer error; recreating the producer"), "\(daemon.log)")
        #expect(try harness.stats()["forwarder"]?["producer_restarts"]?.intValue == 1)
        let (duplicates, gaps) = try verifyDelivery(try cluster.readAll(expected: 500), accepted: 500, spoolIdentity: identity)
        #expect(gaps == 0, "nothing was evicted")
        // The first 200 frames were acknowledged and left the spool before the injection, so only the
        // second writer's 300 can have been in flight at the fatal error and produced again, once per
        // rewind (producer restart or retry; the window, 10,000, holds all of them).
        let status = try harness.stats()["forwarder"]
        let rewinds = Int((status?["producer_restarts"]?.intValue ?? 0) + (status?["retries"]?.intValue ?? 0))
        #expect(rewinds >= 1 && duplicates <= 300 * rewinds, "\(duplicates) duplicates after \(rewinds) rewinds")
    }

    /// A fenced producer (the broker answers PRODUCER_FENCED, as tansu did after a pause, and
    /// librdkafka 2.0.2 fails every record of that instance with it without raising a fatal
    /// error) is recreated, once, and everything is delivered in order. Same single-batch set-up
    /// as above, for the same reason.
    @Test func fencedProducerIsRecreated() throws {
        let cluster = try MockCluster.forTests()
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--broker", cluster.bootstrapServers])
        let first = try harness.writer(name: "a", frames: 100, rate: 1_000)
        #expect(first.wait(timeout: 30) == 0)
        #expect(waitUntil(timeout: 30) { (try? harness.stats())?["forwarded"]?.intValue == 100 })
        try cluster.takeBrokerDown(1)
        let second = try harness.writer(name: "b", frames: 200, rate: 1_000)
        #expect(second.wait(timeout: 30) == 0)
        #expect(waitUntil(timeout: 60) { (try? harness.stats())?["forwarder"]?["in_flight"]?.intValue == 200 },
                "\(daemon.log)")
        cluster.pushRequestErrors(apiKey: MockCluster.produceAPIKey, errors: [.producerFenced])
        try cluster.setBrokerUp(1)
        #expect(waitUntil(timeout: 90) { (try? harness.stats())?["stored_frames"]?.intValue == 0
                                          && (try? harness.stats())?["accepted"]?.intValue == 300 }, "\(daemon.log)")
        let identity = try #require(try harness.stats()["spool_identity"]?.stringValue)
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0)
        let recreated = daemon.log.components(separatedBy: "recreating the producer").count - 1
        #expect(recreated == 1, "\(daemon.log)")
        #expect(daemon.log.contains("PRODUCER_FENCED"), "\(daemon.log)")
        #expect(try harness.stats()["forwarder"]?["producer_restarts"]?.intValue == 1)
        _ = try verifyDelivery(try cluster.readAll(expected: 300), accepted: 300, spoolIdentity: identity)
    }
}
