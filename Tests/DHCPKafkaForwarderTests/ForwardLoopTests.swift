import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Logging
import Testing

@testable import DHCPKafkaForwarder

/// A spool on disk holding `frames`, librdkafka's mock cluster, and a forwarder for them whose
/// loop a test drives step by step.
private final class Rig {
    let directory: TemporaryDirectory
    let spool: Spool
    let cluster: MockCluster
    let forwarder: Forwarder

    init(frames: Int, window: Int, messageTimeoutMs: Int = 120_000) throws {
        directory = try TemporaryDirectory(prefix: "dk-forward-loop")
        let path = directory.appending("spool")
        let ingest = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 16 << 20))
        var batch = SpoolBatch()
        let samples = try RecordBuilderTests.fixtureFrames()
        for index in 0..<frames { batch.append(samples[index % samples.count], receivedAt: 0) }
        _ = try ingest.append(batch)
        try ingest.close()  // one LMDB environment per process at a time
        spool = try Spool.open(at: path, role: .forwarder)
        cluster = try MockCluster(brokers: 1)
        try cluster.createTopic(KafkaSinkConfiguration.defaultTopic, partitions: 3)
        let sink = KafkaSinkConfiguration(
            brokers: cluster.brokers, messageTimeoutMs: messageTimeoutMs,
            properties: [("reconnect.backoff.ms", "50"), ("reconnect.backoff.max.ms", "200")])
        let configuration = ForwarderConfiguration(
            sink: sink, serverName: "relay", maxInFlightFrames: window, backoffMin: .milliseconds(10),
            backoffMax: .milliseconds(50))
        forwarder = try Forwarder(configuration: configuration, spool: spool, logger: Logger(label: "forward-loop-test"))
    }

    deinit { try? spool.close() }

    /// Runs the loop's steps as `ForwardLoop.run` does (fill or finish a rewind, poll, apply the
    /// reports, advance the watermark) until `done` holds or a minute passed.
    func drive(_ loop: inout ForwardLoop, _ producer: KafkaProducer, until done: (ForwardLoop) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        var reports: [DeliveryReport] = []
        while !done(loop) && Date() < deadline {
            if loop.rewinding { try loop.finishRewindIfReady(producer) } else { try loop.fill(producer) }
            producer.poll(timeoutMs: 100, into: &reports)
            loop.handle(reports, producer: producer)
            try loop.advanceWatermark(force: true)
        }
        return done(loop)
    }

    /// Polls the producer and applies its reports until `done` holds or a minute passed.
    func pump(_ loop: inout ForwardLoop, _ producer: KafkaProducer, until done: (ForwardLoop) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        var reports: [DeliveryReport] = []
        while !done(loop) && Date() < deadline {
            producer.poll(timeoutMs: 100, into: &reports)
            loop.handle(reports, producer: producer)
        }
        return done(loop)
    }
}

/// The forwarder's state machine in process: the acknowledged watermark and the rewind.
@Suite(.serialized, .ownThreads) struct ForwardLoopTests {
    /// Frames leave the spool one window at a time, only after Kafka acknowledged them, and the
    /// watermark in the spool moves with them.
    @Test func watermarkMovesOnlyOverAcknowledgedFrames() throws {
        let rig = try Rig(frames: 25, window: 10)
        var loop = try ForwardLoop(forwarder: rig.forwarder)
        #expect(loop.watermark == 0 && loop.next == 1)
        let producer = try #require(try loop.ensureProducer())
        var rounds = 0
        while loop.watermark < 25 && rounds < 10 {
            rounds += 1
            let before = loop.watermark
            let produced = try loop.fill(producer)
            #expect(produced == min(10, 25 - Int(before)), "round \(rounds): the window bounds what is produced")
            #expect(try loop.fill(producer) == 0, "a full window produces nothing more")
            #expect(try rig.spool.ackedWatermark() == before, "nothing leaves the spool before its acknowledgement")
            #expect(rig.pump(&loop, producer) { $0.window.donePrefixEnd == before + UInt64(produced) })
            try loop.advanceWatermark(force: true)
            #expect(loop.watermark == before + UInt64(produced))
            #expect(try rig.spool.ackedWatermark() == loop.watermark)
            #expect(loop.window.isEmpty)
        }
        #expect(rounds == 3)
        #expect(try rig.spool.stats().storedFrames == 0)
        #expect(rig.forwarder.counters.forwarded == 25)
        producer.close()
    }

    /// A failed delivery (records timed out while the broker was down) starts one rewind: nothing
    /// new is produced until every report is in, then production restarts at the first record
    /// not acknowledged, and everything is delivered once the broker is back.
    @Test func failedDeliveryRewindsToTheFirstOpenRecord() throws {
        let rig = try Rig(frames: 35, window: 20, messageTimeoutMs: 3_000)
        var loop = try ForwardLoop(forwarder: rig.forwarder)
        let producer = try #require(try loop.ensureProducer())
        #expect(try loop.fill(producer) == 20)
        #expect(rig.pump(&loop, producer) { $0.window.donePrefixEnd == 20 }, "the first window is delivered")
        try loop.advanceWatermark(force: true)
        #expect(loop.watermark == 20 && loop.next == 21)

        try rig.cluster.takeBrokerDown(1)
        let retries = rig.forwarder.counters.retries
        #expect(try loop.fill(producer) == 15)
        #expect(rig.pump(&loop, producer) { $0.rewinding && $0.window.awaitingReports == 0 }, "the timeouts are reported")
        #expect(rig.forwarder.counters.retries == retries + 1, "one rewind for the whole failed window")
        #expect(loop.watermark == 20)
        #expect(try rig.spool.ackedWatermark() == 20, "failed records stay in the spool")
        try rig.cluster.setBrokerUp(1)
        try loop.finishRewindIfReady(producer)
        #expect(!loop.rewinding && loop.next == 21, "production restarts at the first record not acknowledged")
        #expect(loop.window.isEmpty, "the failed records left the window, to be produced again")
        #expect(try rig.drive(&loop, producer) { $0.watermark == 35 }, "everything is delivered once the broker is back")
        #expect(try rig.spool.ackedWatermark() == 35)
        #expect(try rig.spool.stats().storedFrames == 0)
        producer.close()
    }
}

