import ArgumentParser
import DHCPKafkaSpool
import DHCPKafkaWire
import DHCPv6
import JSONValue

/// `dhcpkafka spool show SEQ`: one frame in full, with what the spool knows about it.
struct SpoolShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one frame in full (as `dhcpkafka decode` does) with its spool metadata.",
        discussion: """
            Looks the sequence up among the stored frames, then the dead letters. A sequence that is \
            in neither is explained (forwarded and removed, evicted, or not assigned yet) and the exit \
            status is 1. --json prints one object: sequence, state (stored or dead-letter), received, \
            acked watermark, the dead letter's error, and the decoded frame as `decode --json` prints it.
            """)

    @OptionGroup var location: SpoolLocation

    @Argument(help: "The frame's sequence number (as `spool list` shows it).")
    var sequence: UInt64

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try withSpoolReader(location.spool) { spool in
            let stats = try spool.stats()
            if let stored = try spool.frame(sequence) {
                show(state: "stored", detail: "not yet forwarded", receiveTime: stored.receiveTime, bytes: stored.bytes,
                     error: nil, acked: stats.ackedWatermark)
            } else if let letter = try spool.deadLetter(sequence) {
                show(state: "dead-letter", detail: "Kafka rejected it: \(letter.error.escapedForDisplay)", receiveTime: letter.receiveTime,
                     bytes: letter.bytes, error: letter.error, acked: stats.ackedWatermark)
            } else {
                printError("frame \(sequence) is not in the spool at \(location.spool): "
                    + (try absence(spool, stats: stats)))
                throw ExitCode(1)
            }
        }
    }

    /// Why a sequence is neither stored nor a dead letter.
    private func absence(_ spool: Spool, stats: SpoolStats) throws -> String {
        if sequence == 0 || sequence >= stats.nextSequence {
            return "no frame has had this sequence yet (the next one gets \(stats.nextSequence))"
        }
        if sequence <= stats.ackedWatermark {
            return "it was forwarded to Kafka and removed (acked watermark \(stats.ackedWatermark)); "
                + "in Kafka it carries the header dhcpkafka-sequence=\(sequence) (`dhcpkafka consume --json` prints the headers)"
        }
        if let gap = try spool.pendingGaps().first(where: { ($0.firstSequence...$0.lastSequence).contains(sequence) }) {
            return "it was evicted unsent when the ring was full (gap \(gap.firstSequence)–\(gap.lastSequence))"
        }
        return "it was evicted unsent, or requeued from the dead letters under a new sequence"
    }

    private func show(state: String, detail: String, receiveTime: UInt64, bytes: [UInt8], error: String?, acked: UInt64) {
        let decoded = SpoolEntry.decode(bytes)
        let received = TimeFormat.iso8601(Double(receiveTime) / 1e9)
        if json {
            var members: [(String, JSONValue)] = [
                ("sequence", .uint(sequence)), ("state", .string(state)), ("received", .string(received)),
                ("received_ns", .uint(receiveTime)), ("bytes", .int(Int64(bytes.count))),
                ("acked", .bool(sequence <= acked)), ("acked_watermark", .uint(acked)),
                ("error", error.map { .string($0) } ?? .null),
            ]
            switch decoded {
            case .success(let message): members.append(("frame", message.json))
            case .failure(let failure):
                members += [("frame", .null), ("decode_error", .string(failure.description))]
            }
            print(JSONValue.object(members).compactText)
            return
        }
        print("sequence      \(sequence)")
        print("state         \(state): \(detail)")
        print("received      \(received) (by the daemon)")
        print("size          \(bytes.count) bytes")
        print("watermark     \(acked)")
        switch decoded {
        case .success(let message): print(FrameText.render(message, number: Int(clamping: sequence), origin: "spool"))
        case .failure(let failure): print("does not decode: \(failure.description.escapedForDisplay)")
        }
        if case .success(let message) = decoded, let frame = message as? DHCPKafkaMessage {
            // The decoded messages in full: FrameText shows summaries, the JSON has every option.
            print("message-in    " + (frame.messageIn?.json.prettyText ?? "(none)"))
            print("message-out   " + (frame.messageOut?.json.prettyText ?? "(none)"))
        }
    }
}
