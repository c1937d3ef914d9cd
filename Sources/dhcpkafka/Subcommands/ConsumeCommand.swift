import ArgumentParser
import DHCPKafkaConfig
import DHCPKafkaForwarder
import DHCPKafkaSink
import DHCPKafkaWire
import DHCPv6
import Foundation
import JSONValue
import Synchronization
import TextCodecs

/// `dhcpkafka consume`: read records back from a topic and decode them, with their headers.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read records from a Kafka topic from the beginning and decode them (a quick looking glass).",
        discussion: """
            Reads every partition of the topic (found in the cluster's metadata) from its first retained \
            record, until --count records were read or --idle-timeout seconds pass without a new one \
            (by default everything there is). Takes the same Kafka settings as `run`: --broker, --topic, \
            --source-address, --kafka-property, --kafka-property-file, systemd credentials \
            ($CREDENTIALS_DIRECTORY), or --config FILE (its <send-to-kafka> section; options given here \
            override it). Exits 1 when no broker answers within --connect-timeout or the topic does not exist, \
            2 on invalid options.
            """)

    @Option(help: "Config file: the Kafka settings of its <send-to-kafka> section; options given here override them.")
    var config: String?
    @Option(name: .customLong("broker"), help: "Kafka broker host:port (repeatable; default localhost:9092).")
    var brokers: [String] = []
    @Option(help: "Topic to read (default dhcpkit.messages).") var topic: String?
    @Option(name: .customLong("kafka-property"), help: "Any librdkafka property as name=value (repeatable): TLS, SASL, …")
    var kafkaProperties: [String] = []
    @Option(name: .customLong("kafka-property-file"), help: "A file of librdkafka properties, one name=value per line (repeatable; for secrets), as `run` reads it.")
    var kafkaPropertyFiles: [String] = []
    @Option(help: "Local address to connect to the brokers from (as `run`'s --source-address).") var sourceAddress: String?
    @Option(help: "Partitions to read, comma-separated (default: every partition of the topic).") var partitions: String?
    @Option(help: "Stop after this many records (default: no limit; stop when --idle-timeout passes without one).")
    var count: Int?
    @Option(help: "Stop after this many seconds without a new record.") var idleTimeout = 5.0
    @Option(help: "Seconds to wait for a broker to answer before giving up.") var connectTimeout = 15.0
    @Flag(help: "Print JSON Lines: the decoded frame plus partition, offset, key, headers and the relay hops.") var json = false
    @Flag(help: "Print librdkafka's own log lines (escaped) to standard error; without it only the last warning is shown, on failure.")
    var verbose = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard idleTimeout > 0, idleTimeout <= 86_400, connectTimeout > 0, connectTimeout <= 3_600 else {
            throw ValidationError("--idle-timeout must be in (0, 86400] and --connect-timeout in (0, 3600] seconds")
        }
        if let partitions, Self.partitionList(partitions) == nil {
            throw ValidationError("--partitions needs partition numbers separated by commas, e.g. 0,1,2")
        }
    }

    static func partitionList(_ text: String) -> [Int32]? {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        let numbers = items.compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        return numbers.count == items.count && !numbers.isEmpty && numbers.allSatisfy { $0 >= 0 } ? numbers : nil
    }

    /// The Kafka settings: the config file's, then the command line's (validated as `run` does).
    func kafkaSettings() throws -> KafkaSinkConfiguration {
        var options: ForwardOptions
        if let config {
            do {
                options = try ConfigResolution.resolve(ForwardCommand.self, file: config, command: .forward, arguments: []).0.options
            } catch {
                throw CLIError("invalid configuration\n\(error.description)")
            }
        } else {
            options = try ForwardOptions.parse([])
        }
        if !brokers.isEmpty { options.brokers = brokers }
        if let topic { options.topic = topic }
        options.kafkaProperties += kafkaProperties
        options.kafkaPropertyFiles += kafkaPropertyFiles
        if let sourceAddress { options.sourceAddress = sourceAddress }
        return try options.configuration().sink
    }

    func run() throws {
        let sink: KafkaSinkConfiguration
        do { sink = try kafkaSettings() } catch {
            printError("dhcpkafka consume: \(error)")
            throw ExitCode(2)
        }
        let consumer: KafkaConsumer
        let partitionList: [Int32]
        let librdkafkaLog = ConsumerLog(verbose: verbose)
        do {
            consumer = try KafkaConsumer(bootstrapServers: sink.brokers.joined(separator: ","), properties: sink.properties,
                                         sourceAddress: sink.sourceAddress, log: librdkafkaLog.record)
            partitionList = try partitions.flatMap(Self.partitionList)
                ?? consumer.partitions(of: sink.topic, timeoutMs: Int32(connectTimeout * 1000))
            try consumer.assign(topic: sink.topic, partitions: partitionList, fromBeginning: true)
        } catch {
            printError("dhcpkafka consume: cannot read \(sink.topic) from \(sink.brokers.joined(separator: ",")): \(error)"
                       + (librdkafkaLog.lastWarning.map { "\nlast librdkafka message: \($0)" } ?? ""))
            throw ExitCode(1)
        }
        defer { consumer.close() }
        var seen = 0
        var idleSince = Date()
        var lastError: String?
        while seen < count ?? Int.max && Date().timeIntervalSince(idleSince) < idleTimeout {
            let record: ConsumedRecord
            do {
                guard let next = try consumer.poll(timeoutMs: 200) else { continue }
                record = next
            } catch {
                lastError = "\(error)"
                continue
            }
            seen += 1
            idleSince = Date()
            print(Self.render(record, json: json))
        }
        let limit = count.map { " of \($0)" } ?? ""
        let ending = count.map { seen >= $0 } ?? false ? "" : " (none more within \(idleTimeout) s)"
        printError("read \(seen)\(limit) records from the \(partitionList.count) partitions of \(sink.topic)\(ending)"
                   + (lastError.map { "; last consumer error: \($0)" } ?? ""))
    }

    /// One record as a JSON line or two text lines.
    static func render(_ record: ConsumedRecord, json: Bool) -> String {
        let frame = try? KafkaMessageRegistry.dhcpKafka.decodeFrame(record.value)
        let headers = record.headers.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
        if json {
            var members: [(String, JSONValue)] = [
                ("partition", .int(Int64(record.partition))), ("offset", .int(record.offset)),
                ("timestamp_ms", .int(record.timestamp)),
                ("key", record.key.map { .string($0.hexString) } ?? .null),
                ("headers", .object(headers.map { ($0.0, .string($0.1)) })), ("frame", frame?.json ?? .null),
            ]
            if let message = frame as? DHCPKafkaMessage { members += RelayHops.json(message) }
            return JSONValue.object(members).compactText
        }
        let meta = headers.map { "\($0.0.escapedForDisplay)=\($0.1.escapedForDisplay)" }.joined(separator: " ")
        return "[\(record.partition):\(record.offset)] \(meta)\n    "
            + (frame?.summary ?? "(value does not decode: \(record.value.count) bytes)")
    }
}

/// Where `consume` sends librdkafka's log lines: broker names and errors from the network are
/// escaped before they reach a terminal; without --verbose only the last warning is kept.
final class ConsumerLog: Sendable {
    private let verbose: Bool
    private let last = Mutex<String?>(nil)

    /// With `verbose`, every line is printed; otherwise only the last warning is kept.
    init(verbose: Bool) { self.verbose = verbose }

    /// The log handler given to the consumer.
    var record: @Sendable (KafkaLogRecord) -> Void {
        { [self] entry in
            let line = "\(entry.facility.escapedForDisplay): \(entry.message.escapedForDisplay)"
            if verbose { printError("librdkafka \(line)") }
            if entry.level <= 4 { last.withLock { $0 = line } }
        }
    }

    /// The last warning or error librdkafka logged, escaped.
    var lastWarning: String? { last.withLock { $0 } }
}
