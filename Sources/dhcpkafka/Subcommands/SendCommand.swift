import ArgumentParser
import DHCPKafkaSocket
import DHCPKafkaWire
import Foundation
import JSONValue

/// `dhcpkafka send`: a load generator that writes realistic frames to the daemon's socket.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send realistic DHCPKafkaMessage frames to the daemon's socket (load generator).",
        discussion: """
            Frames are real Kea/dhclient transactions (direct and relayed) with varied client DUIDs \
            and transaction ids, stamped with the current time. Sends never block: frames the daemon \
            cannot take are dropped and counted, as a DHCP server's handler would. With --log, each \
            process writes the timestamp-in of every frame it queued, one per line, so tests can \
            check what arrived.
            """)

    @Option(help: "The daemon's socket.")
    var socket = "var/dhcpkafka.sock"

    @Option(help: "Frames to send in total (over all processes).")
    var frames = 10_000

    @Option(help: "Target frames per second over all processes; 0 sends as fast as possible.")
    var rate = 0.0

    @Option(help: "Writer processes.")
    var processes = 1

    @Option(help: "Server name to label frames with (default: this host's name).")
    var serverName: String?

    @Option(help: "Frames of hex lines to use as templates instead of the built-in samples.")
    var templates: String?

    @Option(help: "Write each queued frame's timestamp-in to LOG.<process> (one per line).")
    var log: String?

    @Flag(help: "Print the counters as JSON.")
    var json = false

    @Option(help: .hidden) var workerIndex: Int?

    func validate() throws {
        guard frames >= 0, processes >= 1, processes <= 256, rate >= 0 else {
            throw ValidationError("--frames ≥ 0, --processes 1…256 and --rate ≥ 0")
        }
    }

    func run() throws {
        if let workerIndex {
            let counters = try sendFrames(worker: workerIndex)
            print(counters.compactText)
            return
        }
        let start = Date()
        var totals: [String: Int64] = [:]
        if processes == 1 {
            totals = try Self.numbers(sendFrames(worker: 0))
        } else {
            totals = try spawnWorkers()
        }
        let seconds = Date().timeIntervalSince(start)
        let sent = totals["sent", default: 0]
        let summary: JSONValue = .object(
            [("processes", .int(Int64(processes)))] + totals.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
                + [("seconds", .double((seconds * 1000).rounded() / 1000)),
                   ("frames_per_second", .double(seconds > 0 ? (Double(sent) / seconds).rounded() : 0))])
        if json {
            print(summary.compactText)
        } else {
            let dropped = totals.filter { $0.key.hasPrefix("dropped") }.map { "\($0.key) \($0.value)" }.sorted()
            print("sent \(sent) frames in \(String(format: "%.2f", seconds)) s with \(processes) process(es); " + dropped.joined(separator: ", "))
        }
    }

    private func spawnWorkers() throws -> [String: Int64] {
        let executable = SelfExecutable.url
        var children: [(Process, Pipe)] = []
        for index in 0..<processes {
            let process = Process()
            process.executableURL = executable
            process.arguments = workerArguments(index: index)
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            children.append((process, pipe))
        }
        var totals: [String: Int64] = [:]
        for (process, pipe) in children {
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                let counters = try? JSONValue.parse(String(decoding: output, as: UTF8.self))
            else { throw CLIError("a writer process failed (exit \(process.terminationStatus))") }
            for (key, value) in Self.numbers(counters) { totals[key, default: 0] += value }
        }
        return totals
    }

    private func workerArguments(index: Int) -> [String] {
        var share = frames / processes
        if index < frames % processes { share += 1 }
        var arguments = ["send", "--socket", socket, "--frames", String(share), "--rate", String(rate / Double(processes)),
                         "--worker-index", String(index)]
        if let serverName { arguments += ["--server-name", serverName] }
        if let templates { arguments += ["--templates", templates] }
        if let log { arguments += ["--log", log] }
        return arguments
    }

    private static func numbers(_ value: JSONValue) -> [String: Int64] {
        guard case .object(let members) = value else { return [:] }
        return Dictionary(members.compactMap { key, value in value.intValue.map { (key, $0) } }, uniquingKeysWith: +)
    }
}
