import DHCPKafkaSpool
import DHCPKafkaWire
import DHCPv6
import JSONValue
import TextCodecs

/// A stored frame with its decode, as the inspection commands show it.
struct SpoolEntry {
    let sequence: UInt64
    /// When the daemon received it, nanoseconds since the epoch.
    let receiveTime: UInt64
    let bytes: [UInt8]
    /// The decoded frame (a DHCPKafkaMessage, or another registered or unknown type), or why it does not decode.
    let decoded: Result<any KafkaMessage, KafkaWireError>

    init(_ stored: StoredFrame) {
        sequence = stored.sequence
        receiveTime = stored.receiveTime
        bytes = stored.bytes
        decoded = Self.decode(stored.bytes)
    }

    /// A frame's bytes decoded, or why they do not decode.
    static func decode(_ bytes: [UInt8]) -> Result<any KafkaMessage, KafkaWireError> {
        Result { () throws(KafkaWireError) in try KafkaMessageRegistry.dhcpKafka.decodeFrame(bytes) }
    }

    /// The frame when it is a DHCPKafkaMessage.
    var frame: DHCPKafkaMessage? {
        if case .success(let message) = decoded { return message as? DHCPKafkaMessage }
        return nil
    }

    var receivedText: String { TimeFormat.iso8601Milliseconds(Double(receiveTime) / 1e9) }

    /// `solicit→advertise (relayed)`: the innermost types in and out, `-` for an absent message.
    static func types(_ frame: DHCPKafkaMessage) -> String {
        let inner = { (message: DHCPv6Message?) in message.map { $0.innermostMessage.messageType.name } ?? "-" }
        return inner(frame.messageIn) + "→" + inner(frame.messageOut) + (isRelayed(frame) ? " (relayed)" : "")
    }

    static func isRelayed(_ frame: DHCPKafkaMessage) -> Bool {
        !(frame.messageIn?.relayChain.isEmpty ?? true) || !(frame.messageOut?.relayChain.isEmpty ?? true)
    }

    /// Addresses as `2001:db8::5`, prefixes as `2001:db8:100::/56`, from the reply.
    static func leases(_ frame: DHCPKafkaMessage) -> [String] {
        (frame.messageOut?.assignedLeases ?? []).map { lease in
            lease.kind == .address ? "\(lease.address)" : "\(lease.address)/\(lease.prefixLength)"
        }
    }

    /// One line for `spool list` and `tail`.
    var line: String {
        switch decoded {
        case .failure(let error):
            return "\(sequence)  received \(receivedText)  undecodable (\(bytes.count) bytes): \(error.description.escapedForDisplay)"
        case .success(let message):
            guard let frame = message as? DHCPKafkaMessage else {
                return "\(sequence)  received \(receivedText)  \(message.summary)"
            }
            var parts = [String(sequence), TimeFormat.iso8601Milliseconds(frame.timestampIn),
                         frame.serverName.isEmpty ? "(no name)" : frame.serverName.escapedForDisplay, Self.types(frame)]
            parts.append(frame.clientDUID.map { "duid " + $0.bytes.hexString } ?? "no-duid")
            let leases = Self.leases(frame)
            if !leases.isEmpty { parts.append(leases.joined(separator: " ")) }
            if let latency = frame.latency { parts.append(TimeFormat.milliseconds(latency)) }
            return parts.joined(separator: "  ")
        }
    }

    /// One JSON object for `spool list --json` and `tail --json`; `record` says what kind of line it is.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("sequence", .uint(sequence)), ("received", .string(receivedText))]
        switch decoded {
        case .failure(let error):
            return .object([("record", "undecodable")] + members
                + [("bytes", .int(Int64(bytes.count))), ("error", .string(error.description))])
        case .success(let message):
            guard let frame = message as? DHCPKafkaMessage else {
                return .object([("record", "other")] + members
                    + [("kafka_type", .int(Int64(message.messageType))), ("bytes", .int(Int64(bytes.count))),
                       ("summary", .string(message.summary))])
            }
            let innermost = { (message: DHCPv6Message?) -> JSONValue in
                message.map { .string($0.innermostMessage.messageType.name) } ?? .null
            }
            members += [
                ("time", .string(TimeFormat.iso8601Milliseconds(frame.timestampIn))),
                ("timestamp_in", .double(frame.timestampIn)), ("timestamp_out", .double(frame.timestampOut)),
                ("server_name", .string(frame.serverName)),
                ("type_in", innermost(frame.messageIn)), ("type_out", innermost(frame.messageOut)),
                ("relayed", .bool(Self.isRelayed(frame))),
                ("client_duid", frame.clientDUID.map { .string($0.bytes.hexString) } ?? .null),
                ("leases", .array(Self.leases(frame).map { .string($0) })),
                ("latency_ms", frame.latency.map { .double(($0 * 1_000_000).rounded() / 1000) } ?? .null),
            ]
            return .object([("record", "frame")] + members)
        }
    }
}

/// Lines about sequences rather than frames: evicted ranges and ranges `tail -f` could not read.
enum SequenceNote {
    /// An evicted range not yet published by the forwarder.
    static func gap(_ gap: SpoolGap, json: Bool) -> String {
        if json {
            return JSONValue.object([
                ("record", "gap"), ("first_sequence", .uint(gap.firstSequence)), ("last_sequence", .uint(gap.lastSequence)),
                ("frames", .uint(gap.frames)), ("bytes", .uint(gap.bytes)),
            ]).compactText
        }
        return "\(gap.firstSequence)…\(gap.lastSequence)  evicted: \(gap.frames) frame(s), \(gap.bytes) bytes no longer "
            + "in the spool: lost unless the forwarder had sent them already (for those it had not, it publishes a gap record)"
    }

    /// Sequences that were assigned but gone before they could be read.
    static func missed(_ range: ClosedRange<UInt64>, reason: String, json: Bool) -> String {
        if json {
            return JSONValue.object([
                ("record", "missed"), ("first_sequence", .uint(range.lowerBound)), ("last_sequence", .uint(range.upperBound)),
                ("reason", .string(reason)),
            ]).compactText
        }
        return "\(range.lowerBound)…\(range.upperBound)  not shown: \(reason)"
    }
}
