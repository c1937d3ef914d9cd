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
        if let duid, FrameFilter.duidBytes(duid) == nil {
            throw ValidationError("--duid \(duid) is not hex (e.g. 00030001020000c20a01 or 00:03:00:01:02:00:00:c2:0a:01)")
        }
        if let type, !FrameFilter.typeNames.contains(type.lowercased()) {
            throw ValidationError("unknown message type '\(type)'; use one of: \(FrameFilter.typeNames.joined(separator: ", "))")
        }
    }

    /// The filter these options describe.
    var filter: FrameFilter {
        FrameFilter(server: server, duid: duid.flatMap(FrameFilter.duidBytes), type: type?.lowercased(),
                    since: since?.seconds, until: until?.seconds)
    }
}

/// Decides whether a decoded spool entry is shown. Frames that are not DHCPKafkaMessages (unknown
/// types, undecodable bytes) only pass when no content filter (server, DUID, type) is set.
struct FrameFilter: Sendable {
    var server: String?
    /// The client DUID's wire bytes.
    var duid: [UInt8]?
    /// A DHCPv6 message type name.
    var type: String?
    var since: Double?
    var until: Double?

    /// True if only --from/--limit style positioning applies, so gaps and oddities are worth showing.
    var isEmpty: Bool { server == nil && duid == nil && type == nil && since == nil && until == nil }

    /// The names `--type` accepts: the DHCPv6 message types 1…21.
    static let typeNames: [String] = (1...21).map { MessageType(rawValue: UInt8($0)).name }

    /// The bytes of a DUID given in hex with or without ':', '-' or ' ' separators, or nil if it is
    /// not a non-empty, even number of hex digits.
    static func duidBytes(_ text: String) -> [UInt8]? {
        guard case .success(let bytes) = FrameInput.parseHex(text.filter { $0 != "-" }), !bytes.isEmpty else { return nil }
        return bytes
    }

    func matches(_ entry: SpoolEntry) -> Bool {
        guard let frame = entry.frame else {
            guard server == nil, duid == nil, type == nil else { return false }
            return inTimeRange(Double(entry.receiveTime) / 1e9)
        }
        if let server, frame.serverName != server { return false }
        if let duid, frame.clientDUID?.bytes != duid { return false }
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
