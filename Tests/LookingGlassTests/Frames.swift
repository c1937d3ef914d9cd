import DHCPKafkaWire
import DHCPv6
import LookingGlassCollector
import LookingGlassStore

/// Builds realistic frames: DHCPKit-wrapped or direct (Kea), relayed or not, with leases.
enum Frames {
    static let serverDUID = DUID.ll(hardwareType: 1, linkLayerAddress: [0x02, 0, 0, 0, 0, 0x01])

    static func clientDUID(_ n: Int) -> DUID {
        .ll(hardwareType: 1, linkLayerAddress: [0x52, 0x54, 0, UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
    }

    /// A relay-forw around `inner` with the given options.
    static func relay(_ inner: DHCPv6Message, hops: UInt8, peer: String, options: [DHCPv6Option]) -> DHCPv6Message {
        .relay(RelayMessage(
            type: .relayForward, hopCount: hops, linkAddress: IPv6Address("2001:db8:1::1")!,
            peerAddress: IPv6Address(peer)!, options: options + [.relayMessage(inner)]))
    }

    /// A relay-repl around `inner`.
    static func reply(_ inner: DHCPv6Message, hops: UInt8, peer: String, options: [DHCPv6Option]) -> DHCPv6Message {
        .relay(RelayMessage(
            type: .relayReply, hopCount: hops, linkAddress: IPv6Address("2001:db8:1::1")!,
            peerAddress: IPv6Address(peer)!, options: options + [.relayMessage(inner)]))
    }

    /// One transaction. `relayed` adds a real relay with interface-id and remote-id; `dhcpkit` wraps
    /// everything in DHCPKit's internal relay (interface-id `eth0`).
    static func transaction(
        server: String, client: Int, request: MessageType, response: MessageType?, address: String? = nil,
        prefix: String? = nil, validLifetime: UInt32 = 3600, at time: Double, relayed: (interfaceID: [UInt8], remoteID: [UInt8])? = nil,
        dhcpkit: Bool = true
    ) -> DHCPKafkaMessage {
        let duid = clientDUID(client)
        let ia: [DHCPv6Option] = address.map {
            [.iaNA(IdentityAssociation(iaid: 1, t1: 1800, t2: 2880, options: [
                .iaAddress(IAAddress(address: IPv6Address($0)!, preferredLifetime: validLifetime / 2, validLifetime: validLifetime)),
            ]))]
        } ?? []
        let pd: [DHCPv6Option] = prefix.map { text in
            let parts = text.split(separator: "/")
            return [.iaPD(IdentityAssociation(iaid: 2, t1: 1800, t2: 2880, options: [
                .iaPrefix(IAPrefix(
                    preferredLifetime: validLifetime / 2, validLifetime: validLifetime, prefixLength: UInt8(parts[1])!,
                    prefix: IPv6Address(String(parts[0]))!)),
            ]))]
        } ?? []
        var messageIn = DHCPv6Message.clientServer(ClientServerMessage(
            type: request, transactionID: UInt32(client & 0xFFFFFF), options: [.clientID(duid)] + (request == .solicit ? [] : ia + pd)))
        var messageOut = response.map {
            DHCPv6Message.clientServer(ClientServerMessage(
                type: $0, transactionID: UInt32(client & 0xFFFFFF), options: [.clientID(duid), .serverID(serverDUID)] + ia + pd))
        }
        // The client's EUI-64 link-local address.
        let peer = "fe80::5054:ff:fe00:\(String(client & 0xFFFF, radix: 16))"
        var hops: UInt8 = 0
        if let relayed {
            let options: [DHCPv6Option] = [
                .interfaceID(relayed.interfaceID), .remoteID(RemoteID(enterpriseNumber: 9, remoteID: relayed.remoteID)),
            ]
            messageIn = relay(messageIn, hops: 0, peer: peer, options: options)
            messageOut = messageOut.map { reply($0, hops: 0, peer: peer, options: options) }
            hops = 1
        }
        if dhcpkit {
            let wrapperPeer = relayed == nil ? peer : "2001:db8:1::1"
            messageIn = relay(messageIn, hops: relayed == nil ? 0 : hops, peer: wrapperPeer, options: [.interfaceID(Array("eth0".utf8))])
            messageOut = messageOut.map { reply($0, hops: relayed == nil ? 0 : hops, peer: wrapperPeer, options: [.interfaceID(Array("eth0".utf8))]) }
        }
        return DHCPKafkaMessage(
            serverName: server, timestampIn: time, messageIn: messageIn, timestampOut: time + 0.002, messageOut: messageOut)
    }

    static func bytes(_ message: DHCPKafkaMessage) -> [UInt8] {
        var out: [UInt8] = []
        try? message.encode(into: &out)
        return out
    }
}
