import DHCPKafkaWire
import DHCPv6
import JSONValue
import TextCodecs

/// The readable, multi-line rendering of a frame used by `decode`.
enum FrameText {
    /// A frame as lines of text; every client- or server-supplied string in it is escaped.
    static func render(_ message: any KafkaMessage, number: Int, origin: String) -> String {
        guard let frame = message as? DHCPKafkaMessage else {
            return "frame \(number) (\(origin.escapedForDisplay)): \(message.summary)"
        }
        let name = frame.serverName.isEmpty ? "(no name)" : frame.serverName.escapedForDisplay
        var lines = ["frame \(number) (\(origin.escapedForDisplay)): DHCPKafkaMessage from \(name)"]
        lines.append("  in   \(TimeFormat.iso8601(frame.timestampIn))  " + describe(frame.messageIn))
        var out = "  out  \(TimeFormat.iso8601(frame.timestampOut))  "
        if let latency = frame.latency { out += "(\(TimeFormat.milliseconds(latency))) " }
        lines.append(out + describe(frame.messageOut))
        var ids: [String] = []
        if let duid = frame.clientDUID { ids.append("client-duid \(duid)") }
        if let interfaceID = frame.interfaceID { ids.append("interface-id \(printable(interfaceID))") }
        if let remoteID = frame.remoteID {
            ids.append("remote-id \(remoteID.enterpriseNumber)/\(printable(remoteID.remoteID))")
        }
        if !ids.isEmpty { lines.append("  " + ids.joined(separator: "  ")) }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ message: DHCPv6Message?) -> String {
        guard let message else { return "(none)" }
        return message.summary
    }

    /// Interface-ids and remote-ids are often text (`eth0`, `ge-0/0/1.100`); show them as text when they are, else as hex.
    static func printable(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self),
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
        {
            return "\"\(text)\""
        }
        return Hex.encode(bytes)
    }
}
