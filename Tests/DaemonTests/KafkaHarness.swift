import DHCPKafkaSink
import DHCPKafkaTestSupport
import DHCPKafkaWire
import Foundation
import JSONValue
import Testing

/// A record read back from the mock cluster, with what the forwarder put in its headers.
struct Delivered {
    let partition: Int32
    let sequence: String
    let spool: String
    /// The `dhcpkafka-server` header.
    let server: String
    /// The record key (nil for a null key).
    let key: [UInt8]?
    /// The `dhcpkafka-epoch` header ("" if absent).
    var epoch = ""
    let value: [UInt8]
    /// Its offset in the partition.
    var offset: Int64 = -1

    /// The frame's sequence number (nil for a gap record, whose header is a range).
    var frameSequence: UInt64? { UInt64(sequence) }
}

extension MockCluster {
    /// A cluster of one broker with the default topic in 3 partitions.
    static func forTests() throws -> MockCluster {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("dhcpkit.messages", partitions: 3, replicationFactor: 1)
        return cluster
    }

    /// Reads every record of the topic: at least `expected` (waiting up to `timeout` seconds for
    /// them, however slow a loaded machine is to connect and fetch), then whatever else arrives until
    /// nothing new came for `settle` seconds (duplicates). A consumer that comes up short is
    /// replaced once by a fresh one, so a consumer stuck on a loaded machine is not mistaken for
    /// records missing from the broker. Reads partitions 0 to `partitions` - 1.
    func readAll(expected: Int, timeout: Double = 60, settle: Double = 1, partitions: Int32 = 3) throws -> [Delivered] {
        let first = try readOnce(expected: expected, timeout: timeout / 2, settle: settle, partitions: partitions)
        guard first.count < expected else { return first }
        let second = try readOnce(expected: expected, timeout: timeout / 2, settle: settle, partitions: partitions)
        return second.count > first.count ? second : first
    }

    private func readOnce(expected: Int, timeout: Double, settle: Double, partitions: Int32) throws -> [Delivered] {
        let consumer = try KafkaConsumer(bootstrapServers: bootstrapServers)
        defer { consumer.close() }
        try consumer.assign(topic: "dhcpkit.messages", partitions: Array(0..<partitions), fromBeginning: true)
        var out: [Delivered] = []
        let start = Date()
        var last = start
        while Date().timeIntervalSince(start) < timeout,
            out.count < expected || Date().timeIntervalSince(last) < settle
        {
            // Consumer errors (a fetch that failed while the machine was overloaded) are retried by
            // polling on; what counts is which records arrive.
            guard let record = try? consumer.poll(timeoutMs: 100) else { continue }
            last = Date()
            func header(_ name: String) -> String {
                record.headers.first { $0.0 == name }.map { String(decoding: $0.1, as: UTF8.self) } ?? ""
            }
            out.append(Delivered(partition: record.partition, sequence: header("dhcpkafka-sequence"),
                                 spool: header("dhcpkafka-spool"), server: header("dhcpkafka-server"), key: record.key,
                                 epoch: header("dhcpkafka-epoch"), value: record.value, offset: record.offset))
        }
        return out
    }
}

/// Which copy of each record `verifyDelivery` holds to sequence order within its partition.
enum DeliveryOrder {
    /// The first copy: the partition holds every record in sequence order before any duplicate.
    /// What the forwarder gives when librdkafka never times a record out (no outage longer than
    /// `--message-timeout`): rewinds after other failures and crashes only add later copies.
    case firstCopies
    /// The last copy: what the forwarder guarantees after records timed out in librdkafka's queue.
    /// librdkafka fails a queued record at its deadline while later records of the same partition,
    /// with later deadlines, may still be sent once the broker is back; the forwarder's rewind
    /// then produces again everything from the failed record on, in order, so the last copy of
    /// every record is in sequence order (a consumer applying records in log order ends right).
    case lastCopies
}

/// Checks what a forwarder delivered: every sequence 1…`accepted` exactly covered by a frame or a
/// gap record, duplicates only of identical records, and per partition in sequence order (see
/// ``DeliveryOrder`` for which copy).
func verifyDelivery(_ records: [Delivered], accepted: UInt64, spoolIdentity: String, order: DeliveryOrder = .firstCopies)
    throws -> (duplicates: Int, gaps: Int)
{
    var valueBySequence: [UInt64: [UInt8]] = [:]
    var covered = Set<UInt64>()
    var duplicates = 0
    var gaps = 0
    var lastByPartition: [Int32: UInt64] = [:]
    var firstCopyBreaks = 0
    for record in records {
        #expect(record.spool == spoolIdentity, "every record names the spool")
        if let sequence = record.frameSequence {
            if let earlier = valueBySequence[sequence] {
                #expect(earlier == record.value, "a duplicate of \(sequence) differs from the first copy")
                duplicates += 1
                continue
            }
            valueBySequence[sequence] = record.value
            covered.insert(sequence)
            if order == .firstCopies {
                #expect(sequence > lastByPartition[record.partition] ?? 0, "partition \(record.partition) out of order at \(sequence)")
            } else if sequence < lastByPartition[record.partition] ?? 0 {
                firstCopyBreaks += 1
            }
            lastByPartition[record.partition] = max(sequence, lastByPartition[record.partition] ?? 0)
        } else {
            let gap = try #require(try KafkaMessageRegistry.dhcpKafka.decodeFrame(record.value) as? GapKafkaMessage)
            #expect(record.sequence == "\(gap.firstSequence)-\(gap.lastSequence)")
            #expect(gap.frames == gap.lastSequence - gap.firstSequence + 1)
            if !covered.contains(gap.firstSequence) { gaps += 1 }
            for sequence in gap.firstSequence...gap.lastSequence { covered.insert(sequence) }
        }
    }
    if order == .lastCopies {
        var lastIndex: [UInt64: Int] = [:]
        for (index, record) in records.enumerated() { if let sequence = record.frameSequence { lastIndex[sequence] = index } }
        var lastCopyByPartition: [Int32: UInt64] = [:]
        for (index, record) in records.enumerated() {
            guard let sequence = record.frameSequence, lastIndex[sequence] == index else { continue }
            #expect(sequence > lastCopyByPartition[record.partition] ?? 0,
                    "partition \(record.partition): the last copy of \(sequence) is out of order")
            lastCopyByPartition[record.partition] = sequence
        }
        if firstCopyBreaks > 0 { print("verifyDelivery: \(firstCopyBreaks) first copies ahead of an earlier sequence (timed-out records produced again)") }
    }
    let missing = (1...max(accepted, 1)).filter { !covered.contains($0) }
    #expect(accepted == 0 || missing.isEmpty, "\(missing.count) sequences never reached Kafka, first \(missing.prefix(5))")
    return (duplicates, gaps)
}

extension DaemonHarness {
    /// Waits until the forwarder's startup scan (what Kafka already holds of this spool) is over,
    /// per its status file: before that it produces nothing.
    func waitForStartupScan(timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout) {
            let state = (try? stats())?["forwarder"]?["deduplication"]?.stringValue ?? ""
            return state == "done" || state.hasPrefix("fallback")
        }
    }
}
