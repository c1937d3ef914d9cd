import ArgumentParser
import DHCPKafkaSink
import DHCPKafkaWire
import Foundation
import JSONValue

/// `dhcpkafka consume`: read records back from a topic and decode them, with their headers.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read records from a Kafka topic from the beginning and decode them (a quick looking glass).")

    @Option(name: .customLong("broker"), help: "Kafka broker host:port (repeatable).")
    var brokers: [String] = ["localhost:9092"]
    @Option(help: "Topic to read.") var topic = "dhcpkit.messages"
    @Option(help: "Partitions to read.") var partitions = "0,1,2"
    @Option(help: "Stop after this many records.") var count = 10
    @Option(help: "Stop after this many seconds without a new record.") var idleTimeout = 5.0
    @Flag(help: "Print JSON Lines: the decoded frame plus partition, offset, key and headers.") var json = false

    func run() throws {
        let partitionList = partitions.split(separator: ",").compactMap { Int32($0) }
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(bootstrapServers: brokers.joined(separator: ","))
            try consumer.assign(topic: topic, partitions: partitionList, fromBeginning: true)
        } catch {
            printError("cannot read \(topic): \(error)")
            throw ExitCode(1)
        }
        defer { consumer.close() }
        var seen = 0
        var idleSince = Date()
        while seen < count && Date().timeIntervalSince(idleSince) < idleTimeout {
            guard let record = try? consumer.poll(timeoutMs: 200) else { continue }
            seen += 1
            idleSince = Date()
            let frame = try? KafkaMessageRegistry.dhcpKafka.decodeFrame(record.value)
            let headers = record.headers.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
            if json {
                let object: JSONValue = .object([
                    ("partition", .int(Int64(record.partition))), ("offset", .int(record.offset)),
                    ("timestamp_ms", .int(record.timestamp)),
                    ("key", record.key.map { .string($0.map { String(format: "%02x", $0) }.joined()) } ?? .null),
                    ("headers", .object(headers.map { ($0.0, .string($0.1)) })), ("frame", frame?.json ?? .null),
                ])
                print(object.compactText)
            } else {
                let meta = headers.map { "\($0.0.escapedForDisplay)=\($0.1.escapedForDisplay)" }.joined(separator: " ")
                print("[\(record.partition):\(record.offset)] \(meta)")
                print("    " + (frame?.summary ?? "(value does not decode: \(record.value.count) bytes)"))
            }
        }
        if seen < count { printError("read \(seen) of \(count) records (no more within \(idleTimeout) s)") }
    }
}
