import DHCPKafkaSink
import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Logging
import Testing

@testable import DHCPKafkaForwarder

/// A spool of `frames` frames, part of it already "acknowledged" (left the spool), librdkafka's
/// mock cluster, and what a previous forwarder process left in Kafka, produced with the
/// forwarder's own record builder; then a real forwarder run to the end.
private final class DedupRig {
    static let topic = KafkaSinkConfiguration.defaultTopic
    let directory: TemporaryDirectory
    let spool: Spool
    let cluster: MockCluster
    let sink: KafkaSinkConfiguration
    let builder: RecordBuilder
    let identity: String
    let frames: [[UInt8]]

    init(frames count: Int, watermark: UInt64, partitions: Int = 3) throws {
        directory = try TemporaryDirectory(prefix: "dk-dedup")
        let path = directory.appending("spool")
        let ingest = try Spool.open(at: path, options: SpoolOptions(capacityBytes: 16 << 20))
        var batch = SpoolBatch()
        let samples = try RecordBuilderTests.fixtureFrames()
        frames = (0..<count).map { samples[$0 % samples.count] }
        for frame in frames { batch.append(frame, receivedAt: 0) }
        _ = try ingest.append(batch)
        try ingest.close()
        spool = try Spool.open(at: path, role: .forwarder)
        if watermark > 0 { _ = try spool.removeThrough(watermark) }
        let stats = try spool.stats()
        identity = stats.identity
        builder = RecordBuilder(key: .clientDUID, spoolIdentity: identity, epoch: stats.epoch)
        cluster = try MockCluster(brokers: 1)
        try cluster.createTopic(Self.topic, partitions: partitions)
        sink = KafkaSinkConfiguration(
            brokers: cluster.brokers, properties: [("reconnect.backoff.ms", "50"), ("reconnect.backoff.max.ms", "200")])
    }

    deinit { try? spool.close() }

    /// Produces `sequences` as a forwarder of spool `identity` would (default: this spool), and waits
    /// for every acknowledgement.
    func produceAsPreviousForwarder(_ sequences: some Sequence<UInt64>, identity: String? = nil) throws {
        let producer = try KafkaProducer(configuration: sink)
        defer { producer.close() }
        let builder = identity.map { RecordBuilder(key: .clientDUID, spoolIdentity: $0) } ?? self.builder
        var produced = 0
        for sequence in sequences {
            let frame = frames[Int((sequence - 1) % UInt64(frames.count))]
            let outcome = frame.withUnsafeBytes { builder.produce(frame: $0, sequence: sequence, with: producer).outcome }
            guard case .accepted = outcome else { throw SubprocessError(description: "produce failed: \(outcome)") }
            produced += 1
        }
        var delivered = 0
        var reports: [DeliveryReport] = []
        let deadline = Date().addingTimeInterval(60)
        while delivered < produced && Date() < deadline {
            producer.poll(timeoutMs: 100, into: &reports)
            delivered += reports.filter(\.isDelivered).count
        }
        guard delivered == produced else { throw SubprocessError(description: "only \(delivered) of \(produced) acknowledged") }
    }

    /// Runs a forwarder until the spool is empty, then stops it; returns its counters.
    func forwardEverything(limit: Int64 = 100_000, whileStarting: ((Forwarder) throws -> Void)? = nil) async throws -> ForwarderCounters {
        var configuration = ForwarderConfiguration(
            sink: sink, serverName: "relay", backoffMin: .milliseconds(10), backoffMax: .milliseconds(200))
        configuration.deduplicationScanLimit = limit
        let forwarder = try Forwarder(configuration: configuration, spool: spool, logger: Logger(label: "dedup-test"))
        forwarder.start()
        try whileStarting?(forwarder)
        let drained = waitUntil(timeout: 120) { ((try? self.spool.stats())?.storedFrames ?? -1) == 0 }
        forwarder.requestStop()
        try await forwarder.waitUntilFinished()
        #expect(drained, "the forwarder drained the spool")
        return forwarder.counters
    }

    /// Every record in the topic: (spool, sequence header) → how many copies.
    func copies(expected: Int) throws -> [String: [String: Int]] {
        let consumer = try KafkaConsumer(bootstrapServers: cluster.bootstrapServers)
        defer { consumer.close() }
        let partitions = try consumer.partitions(of: Self.topic, timeoutMs: 10_000)
        try consumer.assign(topic: Self.topic, partitions: partitions, fromBeginning: true)
        var out: [String: [String: Int]] = [:]
        var total = 0
        var last = Date()
        let start = Date()
        while Date().timeIntervalSince(start) < 60, total < expected || Date().timeIntervalSince(last) < 1 {
            guard let record = try? consumer.poll(timeoutMs: 100) else { continue }
            last = Date()
            func header(_ name: String) -> String {
                record.headers.first { $0.0 == name }.map { String(decoding: $0.1, as: UTF8.self) } ?? ""
            }
            out[header("dhcpkafka-spool"), default: [:]][header("dhcpkafka-sequence"), default: 0] += 1
            total += 1
        }
        return out
    }
}

/// Checks that `copies` holds sequences `range` exactly once each, and nothing else.
private func expectExactlyOnce(_ copies: [String: Int]?, _ range: ClosedRange<UInt64>, _ what: String) {
    let copies = copies ?? [:]
    let missing = range.filter { copies[String($0)] == nil }
    let twice = copies.filter { $0.value > 1 }.map(\.key)
    #expect(missing.isEmpty, "\(what): \(missing.count) sequences missing, first \(missing.prefix(5))")
    #expect(twice.isEmpty, "\(what): \(twice.count) sequences more than once, e.g. \(twice.prefix(5))")
    #expect(copies.count == range.count, "\(what): \(copies.count) distinct sequences, expected \(range.count)")
}

/// The forwarder's startup scan against the mock cluster: what a previous forwarder process left
/// in Kafka unacknowledged is found and not produced again.
@Suite(.serialized, .ownThreads) struct DeduplicationTests {
    /// Frames acknowledged by Kafka whose acknowledgement never reached the spool (101…180, the
    /// watermark says 100) are skipped and counted; the rest is produced once.
    @Test func skipsWhatAPreviousForwarderLeftInKafka() async throws {
        let rig = try DedupRig(frames: 300, watermark: 100)
        try rig.produceAsPreviousForwarder(1...180)
        let counters = try await rig.forwardEverything()
        #expect(counters.alreadyInKafka == 80)
        #expect(counters.deduplicationFallbacks == 0)
        #expect(counters.deduplicationState == "done")
        expectExactlyOnce(try rig.copies(expected: 300)[rig.identity], 1...300, "this spool")
    }

    /// A topic shared with another spool: its records (same sequences, another identity) are not
    /// mistaken for this spool's, and pass untouched.
    @Test func sharedTopicIsFilteredBySpoolIdentity() async throws {
        let rig = try DedupRig(frames: 200, watermark: 50)
        let other = "0f0e0d0c-0b0a-4908-8706-050403020100"
        try rig.produceAsPreviousForwarder(1...120)
        try rig.produceAsPreviousForwarder(1...400, identity: other)
        let counters = try await rig.forwardEverything()
        #expect(counters.alreadyInKafka == 70)
        #expect(counters.deduplicationFallbacks == 0)
        let copies = try rig.copies(expected: 600)
        expectExactlyOnce(copies[rig.identity], 1...200, "this spool")
        expectExactlyOnce(copies[other], 1...400, "the other spool")
    }

    /// The partition count changed since the previous forwarder produced (records placed by
    /// murmur2 for 2 partitions, in a topic that now has 4): they are found wherever they are,
    /// skipped all the same, and the moved ones counted.
    @Test func changedPartitionCountIsCountedAndStillExact() async throws {
        let rig = try DedupRig(frames: 200, watermark: 100, partitions: 4)
        var lines: [String] = []
        var moved = 0
        for sequence in UInt64(1)...160 {
            let frame = rig.frames[Int(sequence - 1) % rig.frames.count]
            let record = rig.builder.record(for: frame, sequence: sequence)
            let then = KafkaPartitioner.partition(forKey: record.key, partitions: 2) ?? 0
            if sequence > 100, then != KafkaPartitioner.partition(forKey: record.key, partitions: 4) { moved += 1 }
            // Header names are plain ASCII and everything else is hex: no JSON escaping needed.
            let headers = record.headers.map { #"["\#($0.0)", "\#(hex($0.1))"]"# }.joined(separator: ", ")
            let key = record.key.map { #""\#(hex($0))""# } ?? "null"
            lines.append(#"{"key": \#(key), "value": "\#(hex(frame))", "headers": [\#(headers)], "partition": \#(then)}"#)
        }
        try runPython("produce_records.py", [rig.cluster.bootstrapServers, DedupRig.topic], stdin: lines)
        #expect(moved > 0, "some keys map elsewhere with 4 partitions than with 2")
        let counters = try await rig.forwardEverything()
        #expect(counters.alreadyInKafka == 60)
        #expect(counters.deduplicationRemapped == UInt64(moved))
        #expect(counters.deduplicationFallbacks == 0)
        expectExactlyOnce(try rig.copies(expected: 200)[rig.identity], 1...200, "this spool")
    }

    /// The start of the partition was deleted (the 2.0.2 mock keeps about 5 MiB per partition:
    /// another spool's large records push this spool's out): the scan cannot see whether this
    /// spool's records were there, falls back to at-least-once for them, and counts it.
    @Test func deletedTailFallsBackAndIsCounted() async throws {
        let rig = try DedupRig(frames: 200, watermark: 50, partitions: 1)
        try rig.produceAsPreviousForwarder(1...120)
        try rig.produceAsPreviousForwarder(1...1_400, identity: "0f0e0d0c-0b0a-4908-8706-050403020100")
        let big = [UInt8](repeating: 0x5a, count: 8_000)
        try runPython("produce_records.py", [rig.cluster.bootstrapServers, DedupRig.topic],
                      stdin: (0..<800).map { _ in #"{"key": null, "value": "\#(hex(big))", "partition": 0}"# })
        let consumer = try KafkaConsumer(bootstrapServers: rig.cluster.bootstrapServers)
        let (low, _) = try consumer.watermarks(topic: DedupRig.topic, partition: 0, timeoutMs: 10_000)
        consumer.close()
        #expect(low > 120, "the mock dropped this spool's records (low watermark \(low))")
        let counters = try await rig.forwardEverything()
        #expect(counters.deduplicationFallbacks == 1)
        #expect(counters.deduplicationState.hasPrefix("fallback"))
        #expect(counters.alreadyInKafka == 0)
        expectExactlyOnce(try rig.copies(expected: 150)[rig.identity], 51...200, "this spool's records still in the log")
    }

    /// The scan limit: a partition not settled within it falls back, counted, instead of reading
    /// a large topic for ever.
    @Test func scanLimitFallsBack() async throws {
        let rig = try DedupRig(frames: 100, watermark: 20, partitions: 1)
        try rig.produceAsPreviousForwarder(1...30)
        try rig.produceAsPreviousForwarder(1...3_000, identity: "0f0e0d0c-0b0a-4908-8706-050403020100")
        let counters = try await rig.forwardEverything(limit: 1_000)
        #expect(counters.deduplicationFallbacks == 1)
        #expect(counters.alreadyInKafka == 0, "records 21…30 are beyond the limit: produced again")
    }

    /// No broker at start: the forwarder waits and produces nothing (frames stay in the spool)
    /// until Kafka answers, then skips what is there.
    @Test func brokerUnreachableAtStartWaits() async throws {
        let rig = try DedupRig(frames: 100, watermark: 10)
        try rig.produceAsPreviousForwarder(1...40)
        try rig.cluster.takeBrokerDown(-1)
        let counters = try await rig.forwardEverything { forwarder in
            #expect(waitUntil(timeout: 60) { forwarder.counters.deduplicationState.hasPrefix("waiting for Kafka") })
            #expect(try rig.spool.stats().storedFrames == 90, "nothing left the spool while Kafka was away")
            #expect(forwarder.counters.inFlight == 0)
            try rig.cluster.setBrokerUp(-1)
        }
        #expect(counters.alreadyInKafka == 30)
        expectExactlyOnce(try rig.copies(expected: 100)[rig.identity], 1...100, "this spool")
    }
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Runs a script of Tests/interop-python with the venv's Python; throws with its stderr on failure.
@discardableResult
private func runPython(_ script: String, _ arguments: [String], stdin: [String]) throws -> String {
    let result = try runProcess(
        TestPaths.python, [TestPaths.interopScripts.appendingPathComponent(script).path] + arguments,
        stdin: Array((stdin.joined(separator: "\n") + "\n").utf8), timeout: 120)
    guard result.status == 0 else { throw SubprocessError(description: "\(script) failed: \(result.stderrText)") }
    return result.stdoutText
}
