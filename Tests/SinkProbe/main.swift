// sink-probe: a test-only producer built on DHCPKafkaSink's KafkaProducer, run as a child process so
// that a test can choose which librdkafka it loads (LD_LIBRARY_PATH; see TestPaths.librdkafkaRuntime).
//
// Usage: sink-probe BOOTSTRAP TOPIC FILE [--timeout SECONDS] [--message-timeout-ms MS]
//                   [--property NAME=VALUE]...
//
// FILE holds one record per line; blank lines and lines starting with `#` are skipped, so a
// Fixtures/frames/*.hex file can be given as it is. A line is either
//   - hex: the record value; no key, no headers, timestamp 0 (librdkafka uses "now"), or
//   - a JSON object {"value": hex, "key": hex or null, "headers": [[name, hex], ...], "timestamp": ms}.
// Every record is produced to TOPIC (partitioner's choice of partition) with the idempotent producer;
// the probe then polls until every record has its delivery report or --timeout (default 30 s) passed.
//
// Prints the loaded librdkafka on standard error at start, and one JSON summary on standard output:
//   {"librdkafka_version", "librdkafka_version_number" (hex), "librdkafka_library" (the file mapped
//    into this process), "records", "accepted", "delivered", "failed", "missing" (no report in time),
//    "reports": [{"line", "partition", "offset", "error", "status"}] in input order,
//    "errors": {name: count}, "broker_state", "log": [librdkafka warnings and errors, at most 40]}
// Exit status: 0 when every record was delivered, 1 otherwise, 2 on bad usage or input.
import CRdKafka
import DHCPKafkaSink
import Foundation
import JSONValue
import Synchronization
import TextCodecs

struct InputRecord {
    let line: Int
    let value: [UInt8]
    let key: [UInt8]?
    let headers: [(String, [UInt8])]
    let timestamp: Int64
}

struct UsageError: Error { let message: String }

final class LogCollector: Sendable {
    let lines = Mutex<[KafkaLogRecord]>([])
    func add(_ record: KafkaLogRecord) {
        guard record.level <= 4 else { return }  // warning and worse
        lines.withLock { if $0.count < 40 { $0.append(record) } }
    }
}

func parseHex(_ text: Substring, line: Int) throws(UsageError) -> [UInt8] {
    do { return try Hex.decode(text, skipping: " \t\r") } catch { throw UsageError(message: "line \(line): \(error)") }
}

func parseRecord(_ text: Substring, line: Int) throws(UsageError) -> InputRecord {
    guard text.first == "{" else {
        return InputRecord(line: line, value: try parseHex(text, line: line), key: nil, headers: [], timestamp: 0)
    }
    let json: JSONValue
    do { json = try JSONValue.parse(String(text)) } catch {
        throw UsageError(message: "line \(line): \(error)")
    }
    guard let valueHex = json["value"]?.stringValue else {
        throw UsageError(message: "line \(line): a JSON record needs \"value\": hex")
    }
    var key: [UInt8]?
    if let keyHex = json["key"]?.stringValue { key = try parseHex(Substring(keyHex), line: line) }
    var headers: [(String, [UInt8])] = []
    for header in json["headers"]?.arrayValue ?? [] {
        guard let pair = header.arrayValue, pair.count == 2, let name = pair[0].stringValue,
            let valueHex = pair[1].stringValue
        else { throw UsageError(message: "line \(line): headers must be [[name, hex], ...]") }
        headers.append((name, try parseHex(Substring(valueHex), line: line)))
    }
    return InputRecord(
        line: line, value: try parseHex(Substring(valueHex), line: line), key: key, headers: headers,
        timestamp: json["timestamp"]?.intValue ?? 0)
}

/// The librdkafka shared object mapped into this process, from /proc/self/maps.
func loadedLibrdkafka() -> String? {
    // /proc files report size 0, so read them to the end rather than by their size.
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps") else { return nil }
    defer { try? handle.close() }
    let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    for line in maps.split(separator: "\n") {
        guard let slash = line.firstIndex(of: "/") else { continue }
        let path = String(line[slash...])
        if path.contains("librdkafka") { return path }
    }
    return nil
}

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func run(_ arguments: [String]) throws(UsageError) -> Int32 {
    var positional: [String] = []
    var timeout = 30.0
    var messageTimeoutMs = 20_000
    var properties: [(String, String)] = []
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--timeout":
            guard let value = rest.popFirst().flatMap(Double.init) else { throw UsageError(message: "--timeout SECONDS") }
            timeout = value
        case "--message-timeout-ms":
            guard let value = rest.popFirst().flatMap({ Int($0) }) else {
                throw UsageError(message: "--message-timeout-ms MS")
            }
            messageTimeoutMs = value
        case "--property":
            guard let pair = rest.popFirst(), let equals = pair.firstIndex(of: "=") else {
                throw UsageError(message: "--property NAME=VALUE")
            }
            properties.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
        default:
            positional.append(argument)
        }
    }
    guard positional.count == 3 else {
        throw UsageError(message: "usage: sink-probe BOOTSTRAP TOPIC FILE [--timeout S] [--message-timeout-ms MS] [--property N=V]...")
    }
    let (bootstrap, topic, file) = (positional[0], positional[1], positional[2])

    let version = String(cString: rd_kafka_version_str())
    let versionNumber = String(rd_kafka_version(), radix: 16)
    let library = loadedLibrdkafka()
    FileHandle.standardError.write(Data("sink-probe: librdkafka \(version) from \(library ?? "?")\n".utf8))

    let text: String
    do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
        throw UsageError(message: "cannot read \(file): \(error)")
    }
    var records: [InputRecord] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty || trimmed.first == "#" || trimmed.allSatisfy({ $0 == "\r" || $0 == " " }) { continue }
        records.append(try parseRecord(trimmed, line: index + 1))
    }

    let logs = LogCollector()
    let producer: KafkaProducer
    do {
        producer = try KafkaProducer(
            configuration: KafkaSinkConfiguration(
                brokers: bootstrap.split(separator: ",").map(String.init), topic: topic, clientID: "dhcpkafka-sink-probe",
                messageTimeoutMs: messageTimeoutMs, properties: properties),
            log: { logs.add($0) })
    } catch {
        throw UsageError(message: "cannot create the producer: \(error)")
    }
    defer { producer.close() }

    let deadline = monotonicSeconds() + timeout
    var reports: [UInt64: DeliveryReport] = [:]
    var refused: [Int: String] = [:]
    var accepted = 0
    for (index, record) in records.enumerated() {
        while true {
            let outcome = producer.produce(
                value: record.value, key: record.key, headers: record.headers, timestamp: record.timestamp,
                token: UInt64(index))
            if outcome == .queueFull, monotonicSeconds() < deadline {
                for report in producer.poll(timeoutMs: 50) { reports[report.token] = report }
                continue
            }
            switch outcome {
            case .accepted: accepted += 1
            case .queueFull: refused[index] = "queue full"
            case .failed(let error): refused[index] = error.code.name
            }
            break
        }
    }
    while reports.count < accepted, monotonicSeconds() < deadline {
        for report in producer.poll(timeoutMs: 100) { reports[report.token] = report }
    }

    var errors: [String: Int] = [:]
    var lines: [JSONValue] = []
    var delivered = 0
    var failed = 0
    for (index, record) in records.enumerated() {
        var error: JSONValue = .null
        var entry: [(String, JSONValue)] = [("line", .int(Int64(record.line)))]
        if let report = reports[UInt64(index)] {
            entry += [("partition", .int(Int64(report.partition))), ("offset", .int(report.offset))]
            entry.append(("status", .string("\(report.status)")))
            if report.isDelivered { delivered += 1 } else { failed += 1 }
            if let code = report.error { error = .string(code.name) }
        } else if let reason = refused[index] {
            failed += 1
            error = .string(reason)
        } else {
            error = .string("no delivery report within \(timeout) s")
        }
        if let name = error.stringValue { errors[name, default: 0] += 1 }
        entry.append(("error", error))
        lines.append(.object(entry))
    }
    let summary: JSONValue = .object([
        ("librdkafka_version", .string(version)),
        ("librdkafka_version_number", .string("0x" + versionNumber)),
        ("librdkafka_library", library.map(JSONValue.string) ?? .null),
        ("records", .int(Int64(records.count))),
        ("accepted", .int(Int64(accepted))),
        ("delivered", .int(Int64(delivered))),
        ("failed", .int(Int64(failed))),
        ("missing", .int(Int64(records.count - delivered - failed))),
        ("reports", .array(lines)),
        ("errors", .object(errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ("broker_state", .string(producer.brokerState.description)),
        ("log", .array(logs.lines.withLock { $0 }.map { .string("\($0.facility): \($0.message)") })),
    ])
    print(summary.compactText)
    return delivered == records.count ? 0 : 1
}

do {
    exit(try run(Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("sink-probe: \(error.message)\n".utf8))
    exit(2)
}
