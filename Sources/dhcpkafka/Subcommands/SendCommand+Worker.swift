import DHCPKafkaSocket
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
        let logFile: OutputFile?
        do { logFile = try logPath.map { path throws(OutputFileError) in try OutputFile(path: path) } } catch {
            throw CLIError(error.description)
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
            if outcome == .sent, let logFile {
                logText += "\(timestamp)\n"
                if logText.utf8.count > 1 << 16 {
                    do { try logFile.write(logText) } catch { throw CLIError(error.description) }
                    logText = ""
                }
            }
        }
        do {
            try logFile?.write(logText)
            try logFile?.close()
        } catch {
            throw CLIError(error.description)
        }
        let counters = writer.counters
        return .object([
            ("sent", .uint(counters.sent)), ("dropped_queue_full", .uint(counters.droppedQueueFull)),
            ("dropped_daemon_down", .uint(counters.droppedDaemonDown)),
            ("dropped_permission_denied", .uint(counters.droppedPermissionDenied)), ("dropped_too_large", .uint(counters.droppedTooLarge)),
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
