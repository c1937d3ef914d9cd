import DHCPKafkaSink
import Foundation
import Logging

/// Reads back, before the forwarder produces anything, what Kafka already holds of this spool
/// beyond the acknowledged watermark (docs/forwarder.md, "No duplicates after a restart").
///
/// For each partition of the topic it reads the tail: a window back from the high watermark
/// (100 records, then 4× larger each time) until it meets a record of this spool at or below
/// the watermark (or of an older epoch), which closes the partition: what this spool produced
/// after it is all later in the log. Records of other spools (a shared topic) are passed over by
/// their `dhcpkafka-spool` header. A partition whose start was deleted or compacted away (low
/// watermark above 0) before the scan closed it, or that closes only beyond the scan limit, is
/// *incomplete*: frames of this spool that were there cannot be recognised, and are produced
/// again if they are still in the spool (at-least-once for them, counted and logged).
///
/// A SIGKILLed forwarder's last Produce requests may reach the broker's log a while after it died
/// (they were in its socket or the broker's queue, and a busy broker appends them late): after the
/// first pass the scan keeps reading what the partitions gain until no record of this spool has
/// arrived for a quiet period: ``settle`` (the forwarder's 3 s after a forwarder that did not stop
/// cleanly, 0 after one that did) or twice as long as the first pass took, whichever is longer (a slow broker is
/// slow at both), at most ``settleLimit``.
struct DeduplicationScan {
    /// The topic and connection settings (TLS, SASL, source address) the producer uses.
    let sink: KafkaSinkConfiguration
    /// `dhcpkafka-spool` of this spool.
    let spoolIdentity: [UInt8]
    /// This spool's epoch; records of an older epoch are other frames.
    let epoch: UInt64
    /// The acknowledged watermark: frames at or below it have left the spool.
    let watermark: UInt64
    /// The most records read back per partition before giving up on closing it.
    let limitPerPartition: Int64
    /// How long a read may go without any progress before the attempt is retried.
    var stallTimeout: Duration = .seconds(30)
    /// The shortest quiet period after the first pass: how long no record of this spool must arrive
    /// before the scan trusts what it read. The forwarder sets it from
    /// ``ForwarderConfiguration/deduplicationQuietPeriod`` (0 after a clean stop).
    var settle: Duration = .zero
    /// The longest the scan waits for late records in all.
    var settleLimit: Duration = .seconds(30)
    let isStopping: () -> Bool

    static let headerNames = ["dhcpkafka-spool", "dhcpkafka-epoch", "dhcpkafka-sequence"]
    static let firstWindow: Int64 = 100

    /// What one complete scan found.
    struct Result: Equatable {
        var found = AlreadyInKafka()
        /// Partitions that could not be read back far enough (deleted or compacted start, limit).
        var incomplete: [Int32] = []
        /// Records of this spool found in a partition other than the one their key maps to today:
        /// the partition count changed since they were produced (or another partitioner placed them).
        var remapped = 0
        /// Records read.
        var read: Int64 = 0
        var partitions = 0
        /// Whether any record of this spool (any sequence) was seen.
        var sawThisSpool = false
    }

    /// Thrown when a stop was requested in the middle of a scan.
    struct Stopped: Error {}

    /// One scan from start to end; throws what stopped it (broker unreachable, a read that stalls,
    /// the topic not readable, a stop request).
    func scanOnce() throws -> Result {
        var properties = sink.properties
        // The scan's own settings on top of the producer's connection settings. Its librdkafka log
        // lines go to stderr unformatted (connection failures, producer-only properties "ignored by
        // this consumer"): the producer, made alongside, reports the connection state through the
        // forwarder's log, and a failed scan is logged with its error.
        // A fetch at the end of a partition answers at once instead of waiting for new records.
        // read_uncommitted: the forwarder uses no transactions, and a broker's last stable offset may
        // lag its high watermark (the scan must see every record that is in the log).
        properties += [
            ("enable.partition.eof", "true"), ("log_level", "2"), ("fetch.wait.max.ms", "10"),
            ("isolation.level", "read_uncommitted"),
        ]
        let consumer = try KafkaConsumer(
            bootstrapServers: sink.bootstrapServers, properties: properties, sourceAddress: sink.sourceAddress)
        defer { consumer.close() }
        var result = Result()
        let partitions: [Int32]
        do {
            partitions = try consumer.partitions(of: sink.topic, timeoutMs: 5_000)
        } catch {
            // No such topic yet: it holds nothing of this spool (the producer may create it).
            if error.code == .unknownTopicOrPartition || error.code == .unknownTopic { return result }
            throw error
        }
        result.partitions = partitions.count
        let began = ContinuousClock.now
        var highs: [Int32: Int64] = [:]
        for partition in partitions {
            highs[partition] = try scan(partition, count: partitions.count, consumer: consumer, into: &result)
        }
        try awaitLateRecords(partitions, highs: highs, quiet: max(settle, (ContinuousClock.now - began) * 2), consumer: consumer, into: &result)
        return result
    }

    /// Requests a killed forwarder had already sent may still be in the broker's hands (read from
    /// its closed connection, not yet appended): reads what the partitions gain until no record of
    /// this spool came for `quiet` (records of other spools do not count), at most ``settleLimit``.
    private func awaitLateRecords(
        _ partitions: [Int32], highs: [Int32: Int64], quiet: Duration, consumer: KafkaConsumer, into result: inout Result
    ) throws {
        var highs = highs
        let limit = ContinuousClock.now + settleLimit
        var quietSince = ContinuousClock.now
        while ContinuousClock.now - quietSince < quiet && ContinuousClock.now < limit {
            let nextLook = ContinuousClock.now + .milliseconds(250)
            while ContinuousClock.now < nextLook {
                if isStopping() { throw Stopped() }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let seen = (result.found.count, result.sawThisSpool)
            for partition in partitions {
                // To the partition's end (EOF), not to the high watermark it reports: tansu's lagged
                // behind what a fetch returns, so records past it were never read (CrashLoopTests).
                let before = highs[partition] ?? 0
                let (_, next) = try read(partition, from: before, to: before + 1, partitions: partitions.count,
                                         consumer: consumer, into: &result, toEnd: true)
                result.read += next - before
                highs[partition] = next
            }
            if result.found.count != seen.0 || result.sawThisSpool != seen.1 { quietSince = .now }
        }
    }

    /// Reads one partition's tail back until a record closes it; returns the high watermark it read from.
    private func scan(_ partition: Int32, count: Int, consumer: KafkaConsumer, into result: inout Result) throws -> Int64 {
        let (low, high) = try consumer.watermarks(topic: sink.topic, partition: partition, timeoutMs: 5_000)
        // The top chunk goes on to the partition's end (EOF), past the high watermark the broker
        // reports: tansu's lags what a fetch returns (and tansu 0.6 reported the last record's offset).
        var end = high + 1
        var top = high
        var window = Self.firstWindow
        var closed = false
        var readCount: Int64 = 0
        var first = true
        while !closed && end > low && readCount < limitPerPartition {
            let start = max(low, end - min(window, limitPerPartition - readCount))
            let (closedHere, next) = try read(partition, from: start, to: end, partitions: count, consumer: consumer,
                                               into: &result, toEnd: first)
            closed = closedHere
            if first { top = max(top, next) }
            first = false
            readCount += end - start
            end = start
            window *= 4
        }
        // Read down to offset 0 without closing: the whole partition was seen, nothing is missing.
        if !closed && !(end <= low && low == 0) { result.incomplete.append(partition) }
        result.read += readCount
        return top
    }

    /// Reads `start..<end` of one partition; returns whether a record closed it.
    /// With `toEnd`, reads on past `end` to the partition's end; returns whether a record closed it
    /// and the offset after the last record read (`start` if none).
    private func read(
        _ partition: Int32, from start: Int64, to end: Int64, partitions: Int, consumer: KafkaConsumer,
        into result: inout Result, toEnd: Bool = false
    ) throws -> (closed: Bool, next: Int64) {
        try consumer.assign(topic: sink.topic, partition: partition, offset: start)
        var closed = false
        var next = start
        var lastProgress = ContinuousClock.now
        while true {
            if isStopping() { throw Stopped() }
            switch try consumer.nextTailEvent(timeoutMs: 200, headers: Self.headerNames) {
            case .record(let record):
                guard record.partition == partition else { continue }
                if record.offset >= end && !toEnd { return (closed, next) }
                if note(record, partitions: partitions, into: &result) { closed = true }
                next = max(next, record.offset + 1)
                if record.offset >= end - 1 && !toEnd { return (closed, next) }
                lastProgress = .now
            case .endOfPartition(let eof):
                if eof == partition { return (closed, next) }
            case .nothing:
                if ContinuousClock.now - lastProgress > stallTimeout {
                    throw KafkaError(
                        code: .timedOut,
                        message: "Reading \(sink.topic)/\(partition) from offset \(start) made no progress for \(stallTimeout)")
                }
            }
        }
    }

    /// Takes note of one record; returns whether it closes its partition.
    private func note(_ record: TailRecord, partitions: Int, into result: inout Result) -> Bool {
        guard record.headers[0] == spoolIdentity else { return false }  // another spool's, or not ours
        result.sawThisSpool = true
        let recordEpoch = record.headers[1].flatMap { UInt64(String(decoding: $0, as: UTF8.self)) } ?? 0
        guard let sequenceText = record.headers[2], let sequence = AlreadyInKafka.parseSequence(sequenceText) else {
            return false
        }
        if recordEpoch != epoch { return recordEpoch < epoch }
        if sequence.last <= watermark { return true }
        if sequence.isGap {
            result.found.insert(gap: sequence.first, through: sequence.last)
        } else {
            result.found.insert(frame: sequence.first)
        }
        if let expected = KafkaPartitioner.partition(forKey: record.key, partitions: partitions), expected != record.partition {
            result.remapped += 1
        }
        return false
    }
}
