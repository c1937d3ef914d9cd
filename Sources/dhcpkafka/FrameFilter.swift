import ArgumentParser
import DHCPKafkaWire
import DHCPv6

/// The filters shared by `spool list`, `tail` and `export`.
struct FrameFilterOptions: ParsableArguments {
    @Option(help: "Only frames from this DHCP server name (exact match).")
    var server: String?

    @Option(help: "Only frames of this client DUID, in hex with or without ':' or '-' separators.")
    var duid: String?

    @Option(help: ArgumentHelp(
        "Only frames whose message in or out is of this DHCPv6 type (e.g. solicit, reply, relay-forw).",
        discussion: "Matches the innermost messages and, for relayed frames, the relay messages too."))
    var type: String?

    @Option(help: "Only frames with timestamp-in at or after this time (ISO 8601, epoch seconds, or ago: 90s, 10m, 2h, 1d).")
    var since: TimeArgument?

    @Option(help: "Only frames with timestamp-in before this time (same forms as --since).")
    var until: TimeArgument?

    func validate() throws {
        if let duid, FrameFilter.normalizedHex(duid) == nil {
            throw ValidationError("--duid \(duid) is not hex (e.g. 00030001020000c20a01 or 00:03:00:01:02:00:00:c2:0a:01)")
        }
        if let type, !FrameFilter.typeNames.contains(type.lowercased()) {
            throw ValidationError("unknown message type '\(type)'; use one of: \(FrameFilter.typeNames.joined(separator: ", "))")
        }
    }

    /// The filter these options describe.
    var filter: FrameFilter {
        FrameFilter(server: server, duid: duid.flatMap(FrameFilter.normalizedHex), type: type?.lowercased(),
                    since: since?.seconds, until: until?.seconds)
    }
}

/// Decides whether a decoded spool entry is shown. Frames that are not DHCPKafkaMessages (unknown
/// types, undecodable bytes) only pass when no content filter (server, DUID, type) is set.
struct FrameFilter: Sendable {
    var server: String?
    /// Lower-case hex without separators.
    var duid: String?
    /// A DHCPv6 message type name.
    var type: String?
    var since: Double?
    var until: Double?

    /// True if only --from/--limit style positioning applies, so gaps and oddities are worth showing.
    var isEmpty: Bool { server == nil && duid == nil && type == nil && since == nil && until == nil }

    /// The names `--type` accepts: the DHCPv6 message types 1…21.
    static let typeNames: [String] = (1...21).map { MessageType(rawValue: UInt8($0)).name }

    /// `text` as lower-case hex without separators, or nil if it is not an even number of hex digits.
    static func normalizedHex(_ text: String) -> String? {
        let digits = text.lowercased().filter { $0 != ":" && $0 != "-" && $0 != " " }
        guard !digits.isEmpty, digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else { return nil }
        return digits
    }

    func matches(_ entry: SpoolEntry) -> Bool {
        guard let frame = entry.frame else {
            guard server == nil, duid == nil, type == nil else { return false }
            return inTimeRange(Double(entry.receiveTime) / 1e9)
        }
        if let server, frame.serverName != server { return false }
        if let duid, frame.clientDUID.map({ $0.bytes.hexString }) != duid { return false }
        if let type, !Self.typeNames(of: frame).contains(type) { return false }
        return inTimeRange(frame.timestampIn)
    }

    private func inTimeRange(_ time: Double) -> Bool {
        if let since, !(time >= since) { return false }
        if let until, !(time < until) { return false }
        return true
    }

    /// Every message type name in the frame: relays and their innermost messages, in and out.
    static func typeNames(of frame: DHCPKafkaMessage) -> [String] {
        [frame.messageIn, frame.messageOut].compactMap { $0 }.flatMap { message in
            message.relayChain.map(\.type.name) + [message.innermostMessage.messageType.name]
        }
    }
}
