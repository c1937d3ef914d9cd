import DHCPKafkaTestSupport
import DHCPv6

/// Builds random but valid messages (every option in its canonical form) for property and fuzz tests.
struct MessageGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
    mutating func u8() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: rng.next()) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: rng.next()) }
    mutating func bytes(_ max: Int) -> [UInt8] { rng.bytes(int(0...max)) }
    mutating func address() -> IPv6Address {
        chance(20) ? .unspecified : IPv6Address(high: chance(50) ? 0x2001_0db8_0000_0000 : rng.next(), low: rng.next() >> UInt64(int(0...63)))
    }
    mutating func list<T>(_ max: Int, _ make: (inout MessageGenerator) -> T) -> [T] {
        (0..<int(0...max)).map { _ in make(&self) }
    }

    mutating func duid() -> DUID {
        switch int(0...4) {
        case 0: return .llt(hardwareType: u16(), time: u32(), linkLayerAddress: bytes(8))
        case 1: return .en(enterpriseNumber: u32(), identifier: bytes(12))
        case 2: return .ll(hardwareType: u16(), linkLayerAddress: bytes(8))
        case 3: return .uuid(rng.bytes(16))
        default:
            var type = u16()
            while (1...4).contains(type) { type = u16() }
            return .unknown(type: type, data: bytes(10))
        }
    }

    mutating func name() -> DomainName {
        DomainName(labels: list(3) { g in g.rng.bytes(g.chance(90) ? g.int(1...10) : g.int(1...63)) })
    }

    mutating func unknownCode() -> UInt16 {
        var code = u16()
        while !DHCPv6Option.name(forCode: code).hasPrefix("unknown-") { code = u16() }
        return code
    }

    /// Options that may appear inside IA, IAADDR and IAPREFIX options.
    mutating func encapsulated(nesting: Int) -> [DHCPv6Option] {
        guard nesting < 3 else { return [] }
        return list(3) { g in
            switch g.int(0...3) {
            case 0: .iaAddress(IAAddress(address: g.address(), preferredLifetime: g.u32(), validLifetime: g.u32(),
                                         options: g.encapsulated(nesting: nesting + 1)))
            case 1: .iaPrefix(IAPrefix(preferredLifetime: g.u32(), validLifetime: g.u32(), prefixLength: UInt8(g.int(0...128)),
                                       prefix: g.address(), options: g.encapsulated(nesting: nesting + 1)))
            case 2: .statusCode(StatusCode(code: UInt16(g.int(0...25)), message: g.bytes(12)))
            default: .unknown(code: g.unknownCode(), data: g.bytes(6))
            }
        }
    }

    // swiftlint:disable:next cyclomatic_complexity
    mutating func option(relayDepth: Int) -> DHCPv6Option {
        switch int(0...30) {
        case 0: return .clientID(duid())
        case 1: return .serverID(duid())
        case 2: return .iaNA(IdentityAssociation(iaid: u32(), t1: u32(), t2: u32(), options: encapsulated(nesting: 1)))
        case 3: return .iaTA(TemporaryAssociation(iaid: u32(), options: encapsulated(nesting: 1)))
        case 4: return .iaPD(IdentityAssociation(iaid: u32(), t1: u32(), t2: u32(), options: encapsulated(nesting: 1)))
        case 5: return encapsulated(nesting: 0).first ?? .rapidCommit
        case 6: return .optionRequest(list(6) { $0.u16() })
        case 7: return .preference(u8())
        case 8: return .elapsedTime(u16())
        case 9: return .authentication(rng.bytes(int(11...30)))
        case 10: return .serverUnicast(address())
        case 11: return .statusCode(StatusCode(code: u16(), message: bytes(20)))
        case 12: return .rapidCommit
        case 13: return .userClass(list(3) { $0.bytes(8) })
        case 14: return .vendorClass(VendorClass(enterpriseNumber: u32(), data: list(3) { $0.bytes(8) }))
        case 15: return .vendorOptions(VendorOptions(enterpriseNumber: u32(), options: list(3) { VendorOption(code: $0.u16(), data: $0.bytes(8)) }))
        case 16: return .interfaceID(bytes(16))
        case 17: return .reconfigureMessage(u8())
        case 18: return .reconfigureAccept
        case 19: return .dnsServers(list(3) { $0.address() })
        case 20: return .domainList(list(3) { $0.name() })
        case 21: return .remoteID(RemoteID(enterpriseNumber: u32(), remoteID: bytes(10)))
        case 22: return .subscriberID(bytes(10))
        case 23:
            return .ntpServer(list(3) { g in
                switch g.int(0...3) {
                case 0: .serverAddress(g.address())
                case 1: .multicastAddress(g.address())
                case 2: .serverFQDN(g.name())
                default: .unknown(code: UInt16(g.int(4...65535)), data: g.bytes(6))
                }
            })
        case 24: return .clientLinkLayerAddress(ClientLinkLayerAddress(linkLayerType: u16(), address: bytes(8)))
        case 25: return .solMaxRT(u32())
        case 26: return .infMaxRT(u32())
        case 27 where relayDepth < 2: return .relayMessage(message(relayDepth: relayDepth + 1))
        default: return .unknown(code: unknownCode(), data: bytes(12))
        }
    }

    mutating func message(relayDepth: Int = 0) -> DHCPv6Message {
        let roll = int(1...100)
        if roll <= 5 {
            let type = UInt8(chance(10) ? 0 : int(22...255))
            return .unknown(type: type, data: bytes(20))
        }
        let options = list(6) { $0.option(relayDepth: relayDepth) }
        if roll <= 35 && relayDepth < 3 {
            var relay = RelayMessage(
                type: chance(50) ? .relayForward : .relayReply, hopCount: u8(), linkAddress: address(), peerAddress: address(),
                options: options.filter { $0.code != 9 })
            if chance(85) { relay.relayedMessage = message(relayDepth: relayDepth + 1) }
            return .relay(relay)
        }
        let type = MessageType(rawValue: UInt8(chance(70) ? int(1...11) : int(14...21)))
        return .clientServer(ClientServerMessage(type: type, transactionID: u32() & 0xFF_FFFF, options: options))
    }
}
