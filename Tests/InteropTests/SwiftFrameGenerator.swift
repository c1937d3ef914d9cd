import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6

/// Builds random frames with the Swift model only, for the original decoder to check.
///
/// Message shapes follow dhcpkit's own containment rules (which options each message type may
/// carry), so every frame is one that dhcpkit-kafka must accept.
struct SwiftFrameGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int<T: FixedWidthInteger>(_ type: T.Type = T.self) -> T { T.random(in: T.min...T.max, using: &rng) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] { (0..<int(range)).map { _ in int(UInt8.self) } }
    mutating func address() -> IPv6Address { IPv6Address(high: int(), low: int()) }

    mutating func duid() -> DUID {
        switch int(0...2) {
        case 0: return .ll(hardwareType: 1, linkLayerAddress: bytes(6...6))
        case 1: return .llt(hardwareType: 1, time: int(), linkLayerAddress: bytes(6...6))
        default: return .en(enterpriseNumber: int(), identifier: bytes(1...20))
        }
    }

    mutating func domain() -> DomainName {
        let labels = (0..<int(1...3)).map { _ in (0..<int(1...10)).map { _ in UInt8(ascii: "a") + UInt8(int(0...25)) } }
        return DomainName(labels: labels)
    }

    mutating func iaNA(withAddresses: Bool) -> DHCPv6Option {
        let addresses: [DHCPv6Option] =
            withAddresses
            ? (0..<int(0...2)).map { _ in .iaAddress(IAAddress(address: address(), preferredLifetime: int(), validLifetime: int())) }
            : []
        return .iaNA(IdentityAssociation(iaid: int(), t1: int(), t2: int(), options: addresses))
    }

    mutating func iaPD(withPrefixes: Bool) -> DHCPv6Option {
        let prefixes: [DHCPv6Option] =
            withPrefixes
            ? (0..<int(0...2)).map { _ in
                let length = UInt8(int(32...64))
                let prefix = IPv6Address(high: ((int() as UInt64) >> (64 - UInt64(length))) << (64 - UInt64(length)), low: 0)
                var options: [DHCPv6Option] = []
                if chance(0.2) { options.append(.statusCode(StatusCode(code: 0, text: "Präfix ok"))) }
                return .iaPrefix(IAPrefix(preferredLifetime: int(), validLifetime: int(), prefixLength: length, prefix: prefix, options: options))
            }
            : []
        return .iaPD(IdentityAssociation(iaid: int(), t1: int(), t2: int(), options: prefixes))
    }

    mutating func clientMessage() -> DHCPv6Message {
        let types: [MessageType] = [.solicit, .request, .renew, .release, .informationRequest]
        let type = types[int(0...types.count - 1)]
        var options: [DHCPv6Option] = [.clientID(duid())]
        if type != .solicit && type != .informationRequest { options.append(.serverID(duid())) }
        if type != .informationRequest {
            options.append(iaNA(withAddresses: type != .solicit))
            if chance(0.5) { options.append(iaPD(withPrefixes: type != .solicit)) }
        }
        options.append(.elapsedTime(int()))
        if chance(0.6) { options.append(.optionRequest([23, 24, 56, 82])) }
        if type == .solicit && chance(0.3) { options.append(.rapidCommit) }
        if chance(0.3) { options.append(.userClass([bytes(1...8), bytes(1...8)])) }
        if chance(0.3) { options.append(.vendorClass(VendorClass(enterpriseNumber: int(), data: [bytes(1...12)]))) }
        return .clientServer(ClientServerMessage(type: type, transactionID: int(UInt32.self) & 0xFF_FFFF, options: options))
    }

    mutating func serverMessage(answering request: DHCPv6Message) -> DHCPv6Message {
        let inner = request.innermostMessage
        let type: MessageType = inner.messageType == .solicit && chance(0.7) ? .advertise : .reply
        var options: [DHCPv6Option] = [.serverID(duid()), .clientID(inner.clientDUID ?? duid())]
        options.append(iaNA(withAddresses: true))
        if chance(0.5) { options.append(iaPD(withPrefixes: true)) }
        if type == .advertise && chance(0.5) { options.append(.preference(int())) }
        if chance(0.3) { options.append(.statusCode(StatusCode(code: UInt16(int(0...6)), text: "Grüße ✓"))) }
        if chance(0.6) { options.append(.dnsServers([address(), address()])) }
        if chance(0.5) { options.append(.domainList([domain(), domain()])) }
        if chance(0.3) { options.append(.ntpServer([.serverAddress(address()), .serverFQDN(domain())])) }
        if chance(0.3) { options.append(.solMaxRT(UInt32(int(60...86400)))) }
        let transactionID: UInt32
        if case .clientServer(let m) = inner { transactionID = m.transactionID } else { transactionID = 0 }
        return .clientServer(ClientServerMessage(type: type, transactionID: transactionID, options: options))
    }

    mutating func relay(_ message: DHCPv6Message, forward: Bool, hop: UInt8) -> DHCPv6Message {
        var options: [DHCPv6Option] = []
        if chance(0.7) { options.append(.interfaceID(bytes(1...12))) }
        options.append(.relayMessage(message))
        if forward && chance(0.5) { options.append(.remoteID(RemoteID(enterpriseNumber: int(), remoteID: bytes(1...12)))) }
        if forward && chance(0.3) { options.append(.subscriberID(bytes(1...12))) }
        if forward && chance(0.3) { options.append(.clientLinkLayerAddress(ClientLinkLayerAddress(linkLayerType: 1, address: bytes(6...6)))) }
        return .relay(RelayMessage(type: forward ? .relayForward : .relayReply, hopCount: hop, linkAddress: address(), peerAddress: address(), options: options))
    }

    /// A server name of 0 to 255 bytes of UTF-8, sometimes exactly 255 with multi-byte characters.
    mutating func serverName() -> String {
        let pieces = ["dhcp", "kea", "zürich", "東京", "köln", "-", ".", "7", "é"]
        var name = ""
        let target = chance(0.15) ? 255 : int(0...60)
        while true {
            let next = name + pieces[int(0...pieces.count - 1)]
            if next.utf8.count > target { break }
            name = next
        }
        while name.utf8.count < target { name += "a" }
        return name
    }

    mutating func timestamp() -> Double {
        chance(0.1) ? Double(int(0...Int(Int32.max))) : 1_480_000_000 + Double.random(in: 0..<400_000_000, using: &rng)
    }

    /// A fresh frame built entirely in Swift.
    mutating func frame() -> DHCPKafkaMessage {
        var request = clientMessage()
        var reply = serverMessage(answering: request)
        let depth = chance(0.4) ? int(1...3) : 0
        for hop in 0..<depth {
            request = relay(request, forward: true, hop: UInt8(hop))
            reply = relay(reply, forward: false, hop: UInt8(hop))
        }
        let timeIn = timestamp()
        return DHCPKafkaMessage(
            serverName: serverName(), timestampIn: timeIn, messageIn: chance(0.05) ? nil : request,
            timestampOut: timeIn + Double.random(in: 0..<0.01, using: &rng), messageOut: chance(0.08) ? nil : reply)
    }

    /// A frame the original made, changed through the Swift model: new name and times, extra relay levels.
    mutating func remix(_ original: DHCPKafkaMessage) -> DHCPKafkaMessage {
        var frame = original
        frame.serverName = serverName()
        frame.timestampIn = timestamp()
        frame.timestampOut = frame.timestampIn + 0.001
        if chance(0.5), let inbound = frame.messageIn, let outbound = frame.messageOut {
            frame.messageIn = relay(inbound, forward: true, hop: 7)
            frame.messageOut = relay(outbound, forward: false, hop: 7)
        }
        return frame
    }
}
