import DHCPKafkaSink
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Collects what a producer's hooks report, for assertions.
final class HookRecorder: Sendable {
    let logs = Mutex<[KafkaLogRecord]>([])
    let states = Mutex<[BrokerState]>([])

    func log(_ record: KafkaLogRecord) { logs.withLock { $0.append(record) } }
    func stateChanged(_ state: BrokerState) { states.withLock { $0.append(state) } }

    var stateHistory: [BrokerState] { states.withLock { $0 } }
    var logLines: [KafkaLogRecord] { logs.withLock { $0 } }
}

/// Milliseconds since the Unix epoch.
func nowMs() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}

/// Monotonic seconds, for deadlines.
func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// A mock cluster with one topic and a producer writing to it.
struct SinkFixture {
    let cluster: MockCluster
    let producer: KafkaProducer
    let recorder: HookRecorder
    let topic: String

    init(
        topic: String = "dhcp.test", partitions: Int = 1, sourceAddress: String? = nil,
        messageTimeoutMs: Int = 30_000, properties: [(String, String)] = []
    ) throws {
        cluster = try MockCluster(brokers: 1)
        try cluster.createTopic(topic, partitions: partitions)
        self.topic = topic
        let recorder = HookRecorder()
        self.recorder = recorder
        let config = KafkaSinkConfiguration(
            brokers: cluster.brokers, topic: topic, sourceAddress: sourceAddress, messageTimeoutMs: messageTimeoutMs,
            properties: [("reconnect.backoff.ms", "50"), ("reconnect.backoff.max.ms", "200")] + properties)
        producer = try KafkaProducer(
            configuration: config, log: { recorder.log($0) }, brokerStateChanged: { recorder.stateChanged($0) })
    }

    /// Polls until `count` reports arrived or `seconds` passed.
    func reports(count: Int, within seconds: Double) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        let deadline = monotonicSeconds() + seconds
        while reports.count < count, monotonicSeconds() < deadline {
            reports += producer.poll(timeoutMs: 50)
        }
        return reports
    }

    /// Polls for `seconds`, returning whatever reports arrived.
    func reports(during seconds: Double) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline { reports += producer.poll(timeoutMs: 50) }
        return reports
    }

    /// Reads up to `count` records of partition 0 from the beginning, waiting at most `seconds`,
    /// then keeps reading for `settle` seconds to catch extras (duplicates).
    func consume(count: Int, within seconds: Double, settle: Double = 0) throws -> [ConsumedRecord] {
        let consumer = try KafkaConsumer(bootstrapServers: cluster.bootstrapServers)
        defer { consumer.close() }
        try consumer.assign(topic: topic, partitions: [0], fromBeginning: true)
        var records: [ConsumedRecord] = []
        var deadline = monotonicSeconds() + seconds
        var settling = false
        while monotonicSeconds() < deadline {
            if let record = try consumer.poll(timeoutMs: 100) { records.append(record) }
            if records.count >= count, !settling {
                settling = true
                deadline = monotonicSeconds() + settle
            }
        }
        return records
    }

    func close() {
        producer.close()
        cluster.close()
    }
}
