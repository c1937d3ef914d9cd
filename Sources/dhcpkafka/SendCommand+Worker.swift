import DHCPKafkaWriter
import DHCPKafkaWire
import Foundation
import JSONValue

extension SendCommand {
    /// Sends this process's share of frames at its share of the rate; returns its counters as JSON.
    func sendFrames(worker: Int) throws -> JSONValue {
        let name = serverName ?? ProcessInfo.processInfo.hostName
        var transactions = try makeTransactions(seed: UInt32(truncatingIfNeeded: getpid()) &+ UInt32(worker) &* 7919)
        let writer: DHCPKafkaWriter
        do {
            writer = try DHCPKafkaWriter(socketPath: socket, serverName: name, reconnectInterval: .milliseconds(20))
        } catch {
            throw CLIError(error.description)
        }
        var logText = ""
        let logPath = log.map { "\($0).\(worker)" }
        let logHandle = try logPath.map { path -> FileHandle in
            FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CLIError("cannot write \(path)") }
            return handle
        }
        let interval = rate > 0 ? 1.0 / rate : 0
        let start = Date().timeIntervalSince1970
        for index in 0..<self.frames {
            var now = Date().timeIntervalSince1970
            if interval > 0 {
                // Paced like a DHCP server's traffic: on average exactly `rate`, sent as frames fall due.
                // Sleep only once ahead by a pacing quantum, so a writer wakes about once per quantum
                // (a burst of frames) rather than once per frame: a sleep per frame costs more CPU
                // than the send itself at tens of thousands of frames per second.
                let due = start + Double(index) * interval
                if due - now > Self.pacingQuantum {
                    usleep(useconds_t(min((due - now) * 1_000_000, 1_000_000)))
                    now = Date().timeIntervalSince1970
                }
            }
            let (outcome, timestamp) = transactions.send(with: writer, at: now)
            if outcome == .sent, logHandle != nil {
                logText += "\(timestamp)\n"
                if logText.utf8.count > 1 << 16 {
                    logHandle?.write(Data(logText.utf8))
                    logText = ""
                }
            }
        }
        logHandle?.write(Data(logText.utf8))
        try logHandle?.close()
        let counters = writer.counters
        return .object([
            ("sent", .uint(counters.sent)), ("dropped_queue_full", .uint(counters.droppedQueueFull)),
            ("dropped_daemon_down", .uint(counters.droppedDaemonDown)), ("dropped_too_large", .uint(counters.droppedTooLarge)),
            ("dropped_other", .uint(counters.droppedOther)),
        ])
    }

    /// How far ahead of its schedule a paced writer may get before it sleeps (seconds).
    static let pacingQuantum = 0.001

    private func makeTransactions(seed: UInt32) throws -> LoadTransactions {
        let sources: [String]
        if let templates {
            guard let text = try? String(contentsOfFile: templates, encoding: .utf8) else {
                throw CLIError("cannot read templates from \(templates)")
            }
            sources = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        } else {
            sources = SampleFrames.hex
        }
        var messages: [DHCPKafkaMessage] = []
        for line in sources {
            guard case .success(let bytes) = FrameInput.parseHex(line),
                let message = try? KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage
            else { continue }
            messages.append(message)
        }
        guard !messages.isEmpty else { throw CLIError("no DHCPKafkaMessage frames among the templates") }
        return LoadTransactions(templates: messages, variants: 1024, seed: seed)
    }
}
