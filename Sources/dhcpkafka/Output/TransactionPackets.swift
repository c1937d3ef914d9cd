import DHCPKafkaWire
import DHCPv6

/// A frame's messages as the UDP packets the server received and sent, for `spool export --pcap`.
///
/// Frames hold the DHCPv6 messages but not the IP header, so addresses are reconstructed
/// consistently: a client's link-local address from the MAC in its DUID-LL/LLT (EUI-64), else
/// `fe80::1`; a direct client sends to `ff02::1:2`, the server answers from `fe80::547`; relayed
/// messages go between the outermost relay's link-address (else `2001:db8::1`) and the server at
/// `2001:db8::547`. Ports: 546→547 from clients, 547→546 to them, 547↔547 between relay and server.
enum TransactionPackets {
    /// The server's global address for relays: `2001:db8::547` (documentation prefix, RFC 3849).
    static let server = IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x547)
    /// The server's link-local address for direct clients: `fe80::547`.
    static let serverLinkLocal = IPv6Address(high: 0xfe80_0000_0000_0000, low: 0x547)
    /// `All_DHCP_Relay_Agents_and_Servers`, where clients send (RFC 8415 §7.1).
    static let allRelayAgentsAndServers = IPv6Address(high: 0xff02_0000_0000_0000, low: 0x1_0002)
    /// A client whose DUID holds no MAC address.
    static let unknownClient = IPv6Address(high: 0xfe80_0000_0000_0000, low: 0x1)
    /// A relay whose link-address is unspecified.
    static let unknownRelay = IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x1)

    /// The packets of `frame`: the message in at timestamp-in, the message out at timestamp-out.
    static func packets(_ frame: DHCPKafkaMessage) -> [(packet: UDPPacket, time: Double)] {
        let client = clientAddress(frame.clientDUID)
        let relay = [frame.messageIn, frame.messageOut].compactMap { $0?.relayChain.first?.linkAddress }
            .first { $0 != .unspecified } ?? unknownRelay
        var out: [(UDPPacket, Double)] = []
        if let message = frame.messageIn {
            let payload = message.serialized()
            let packet = message.messageType.isRelay
                ? UDPPacket(source: relay, destination: server, sourcePort: 547, destinationPort: 547, hopLimit: 64, payload: payload)
                : UDPPacket(source: client, destination: allRelayAgentsAndServers, sourcePort: 546, destinationPort: 547,
                            hopLimit: 1, payload: payload)
            out.append((packet, frame.timestampIn))
        }
        if let message = frame.messageOut {
            let payload = message.serialized()
            let packet = message.messageType.isRelay
                ? UDPPacket(source: server, destination: relay, sourcePort: 547, destinationPort: 547, hopLimit: 64, payload: payload)
                : UDPPacket(source: serverLinkLocal, destination: client, sourcePort: 547, destinationPort: 546,
                            hopLimit: 64, payload: payload)
            out.append((packet, frame.timestampOut))
        }
        return out
    }

    /// `fe80::` + the modified EUI-64 of a 6-byte MAC in a DUID-LL/LLT, else ``unknownClient``.
    static func clientAddress(_ duid: DUID?) -> IPv6Address {
        let mac: [UInt8]
        switch duid {
        case .ll(_, let address)? where address.count == 6: mac = address
        case .llt(_, _, let address)? where address.count == 6: mac = address
        default: return unknownClient
        }
        let interfaceID = [mac[0] ^ 0x02, mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]]
        return IPv6Address(bytes: [0xFE, 0x80, 0, 0, 0, 0, 0, 0] + interfaceID)
    }
}
