import DHCPv6
import JSONValue
import TextCodecs

extension DHCPKafkaMessage {
    /// The client DUID of the transaction: from the innermost client message of `messageIn`, else of `messageOut`.
    public var clientDUID: DUID? { messageIn?.clientDUID ?? messageOut?.clientDUID }

    /// The interface-id from the outermost relay that carries one (`messageIn` first).
    public var interfaceID: [UInt8]? { messageIn?.interfaceID ?? messageOut?.interfaceID }

    /// The remote-id from the outermost relay that carries one (`messageIn` first).
    public var remoteID: RemoteID? { messageIn?.remoteID ?? messageOut?.remoteID }

    /// Seconds between receiving and answering, when both messages are present.
    public var latency: Double? {
        guard messageIn != nil, messageOut != nil else { return nil }
        return timestampOut - timestampIn
    }

    /// The frame as JSON: `kafka_type`, `server_name`, timestamps, both messages (or `null`),
    /// and, where present, `client_duid`, `interface_id` and `remote_id` as hex.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("kafka_type", .int(Int64(messageType))),
            ("server_name", .string(serverName)),
            ("timestamp_in", .double(timestampIn)),
            ("timestamp_out", .double(timestampOut)),
            ("message_in", messageIn?.json ?? .null),
            ("message_out", messageOut?.json ?? .null),
        ]
        if let duid = clientDUID { members.append(("client_duid", .string(Hex.encode(duid.bytes)))) }
        if let interfaceID { members.append(("interface_id", .string(Hex.encode(interfaceID)))) }
        if let remoteID {
            members.append(("remote_id", .string(Hex.encode(remoteID.remoteID))))
            members.append(("remote_id_enterprise_number", .uint(UInt64(remoteID.enterpriseNumber))))
        }
        return .object(members)
    }

    /// One line for humans: server, message types, client and latency.
    public var summary: String {
        var parts = ["server=\(serverName.isEmpty ? "-" : serverName.escapedForDisplay)"]
        parts.append("in=\(messageIn.map { describeTypes($0) } ?? "-")")
        parts.append("out=\(messageOut.map { describeTypes($0) } ?? "-")")
        if let duid = clientDUID { parts.append("client=\(Hex.encode(duid.bytes))") }
        if let latency { parts.append(String(format3: latency * 1000) + "ms") }
        return parts.joined(separator: " ")
    }

    private func describeTypes(_ message: DHCPv6Message) -> String {
        var names = [message.messageType.name]
        var current = message
        while case .relay(let relay) = current, let inner = relay.relayedMessage {
            names.append(inner.messageType.name)
            current = inner
        }
        return names.joined(separator: ">")
    }
}

extension String {
    /// A number with three decimals, without Foundation.
    init(format3 value: Double) {
        // Timestamps come from the wire: anything huge or not finite is printed as is, never converted to Int64.
        guard value.isFinite, abs(value) < 1e12 else {
            self = String(value)
            return
        }
        let scaled = (abs(value) * 1000).rounded()
        let whole = Int64(scaled / 1000)
        let frac = Int64(scaled.truncatingRemainder(dividingBy: 1000))
        let fracText = String(frac)
        self = (value < 0 ? "-" : "") + String(whole) + "." + String(repeating: "0", count: 3 - fracText.count) + fracText
    }
}
