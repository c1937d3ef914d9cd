import DHCPKafkaWire
import DHCPv6
import JSONValue
import TextCodecs

/// Describes frames in exactly the schema of Tests/interop-python/describe.py, from the Swift model.
enum FrameDescription {
    static func describe(frame: any KafkaMessage, bytes: [UInt8]) -> JSONValue {
        guard let frame = frame as? DHCPKafkaMessage else {
            let unknown = frame as? UnknownKafkaMessage
            return .object([
                ("hex", .string(bytes.hexString)), ("kafka_type", .int(Int64(frame.messageType))),
                ("data", .string((unknown?.data ?? []).hexString)),
            ])
        }
        return .object([
            ("hex", .string(bytes.hexString)),
            ("kafka_type", 1),
            ("server_name", .string(frame.serverName)),
            ("timestamp_in_bits", .string(bits(frame.timestampIn))),
            ("timestamp_out_bits", .string(bits(frame.timestampOut))),
            ("message_in", describe(frame.messageIn)),
            ("message_out", describe(frame.messageOut)),
        ])
    }

    static func describe(_ message: DHCPv6Message?) -> JSONValue {
        guard let message else { return .null }
        var members: [(String, JSONValue)] = [
            ("type", .int(Int64(message.messageType.rawValue))), ("hex", .string(message.serialized().hexString)),
        ]
        switch message {
        case .clientServer(let m):
            members.append(("transaction_id", .string(hex24(m.transactionID))))
        case .relay(let r):
            members.append(("hop_count", .int(Int64(r.hopCount))))
            members.append(("link_address", .string(r.linkAddress.description)))
            members.append(("peer_address", .string(r.peerAddress.description)))
        case .unknown(_, let data):
            members.append(("data", .string(data.hexString)))
            return .object(members)
        }
        members.append(("options", .array(message.options.map { .object([("code", .int(Int64($0.code))), ("hex", .string($0.bytes.hexString))]) })))
        if case .relay(let r) = message {
            members.append(("relayed_message", describe(r.relayedMessage)))
        }
        return .object(members)
    }

    static func bits(_ value: Double) -> String {
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((value.bitPattern >> UInt64(shift)) & 0xFF)) }
        return bytes.hexString
    }

    static func hex24(_ value: UInt32) -> String {
        [UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)].hexString
    }
}

/// Address text normalisation for comparing with Python's `ipaddress`.
enum IPv6AddressText {
    static func normalize(_ text: String) -> String? { IPv6Address(text)?.description }
}
