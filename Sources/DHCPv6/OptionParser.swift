/// How deep encapsulated options (IA_NA > IAADDR > ...) may nest inside one message.
let maxOptionNesting = 8
/// How deep relay-msg options may nest (RFC 8415 HOP_COUNT_LIMIT is 32).
let maxRelayNesting = 32

extension DHCPv6Option {
    /// Parses options until `reader` is exhausted.
    ///
    /// `relayDepth` counts the relay-msg options around the current message; `nesting` counts the
    /// encapsulating options around these options inside the current message.
    static func parseList<Mode>(_ reader: inout MessageReader<Mode>, relayDepth: Int, nesting: Int) throws(DHCPv6Error)
        -> [DHCPv6Option]
    {
        guard nesting <= maxOptionNesting else {
            throw DHCPv6Error(field: "options", offset: reader.position, reason: "options nested deeper than \(maxOptionNesting)")
        }
        var options: [DHCPv6Option] = []
        while !reader.isAtEnd {
            Mode.keep(try parseOne(&reader, relayDepth: relayDepth, nesting: nesting), in: &options)
        }
        return options
    }

    /// Parses one option (header and body) from `reader`.
    static func parseOne<Mode>(_ reader: inout MessageReader<Mode>, relayDepth: Int, nesting: Int) throws(DHCPv6Error) -> DHCPv6Option {
        let code = try reader.u16("option-code")
        let lengthAt = reader.position
        let length = Int(try reader.u16("option-len"))
        guard length <= reader.remaining else {
            throw DHCPv6Error(
                field: DHCPv6Error.optionPrefix(code) + ".option-len", offset: lengthAt,
                reason: "length \(length) runs past the end: \(byteCount(reader.remaining)) left")
        }
        var body = reader.sub(length)
        do {
            return try parseBody(code: code, &body, lengthAt: lengthAt, relayDepth: relayDepth, nesting: nesting)
        } catch {
            throw error.prefixed(DHCPv6Error.optionPrefix(code))
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private static func parseBody<Mode>(
        code: UInt16, _ r: inout MessageReader<Mode>, lengthAt: Int, relayDepth: Int, nesting: Int
    ) throws(DHCPv6Error) -> DHCPv6Option {
        let length = r.remaining
        func exactly(_ n: Int) throws(DHCPv6Error) {
            guard length == n else { throw DHCPv6Error(field: "option-len", offset: lengthAt, reason: "must be \(n), got \(length)") }
        }
        switch code {
        case 1: return .clientID(try DUID.parse(&r))
        case 2: return .serverID(try DUID.parse(&r))
        case 3, 25:
            let iaid = try r.u32("iaid")
            let t1 = try r.u32("t1")
            let t2 = try r.u32("t2")
            let ia = IdentityAssociation(
                iaid: iaid, t1: t1, t2: t2, options: try parseList(&r, relayDepth: relayDepth, nesting: nesting + 1))
            return code == 3 ? .iaNA(ia) : .iaPD(ia)
        case 4:
            let iaid = try r.u32("iaid")
            return .iaTA(TemporaryAssociation(iaid: iaid, options: try parseList(&r, relayDepth: relayDepth, nesting: nesting + 1)))
        case 5:
            let address = try r.address("address")
            let preferred = try r.u32("preferred-lifetime")
            let valid = try r.u32("valid-lifetime")
            let options = try parseList(&r, relayDepth: relayDepth, nesting: nesting + 1)
            return .iaAddress(IAAddress(address: address, preferredLifetime: preferred, validLifetime: valid, options: options))
        case 6:
            guard length % 2 == 0 else {
                throw DHCPv6Error(field: "option-len", offset: lengthAt, reason: "must be even, got \(length)")
            }
            var codes: [UInt16] = []
            if Mode.buildsModel { codes.reserveCapacity(length / 2) }
            while !r.isAtEnd { Mode.keep(try r.u16("requested-option-code"), in: &codes) }
            return .optionRequest(codes)
        case 7:
            try exactly(1)
            return .preference(try r.u8("pref-value"))
        case 8:
            try exactly(2)
            return .elapsedTime(try r.u16("elapsed-time"))
        case 9:
            guard relayDepth < maxRelayNesting else {
                throw DHCPv6Error(field: "message", offset: r.position, reason: "relay-msg nested deeper than \(maxRelayNesting)")
            }
            let relayed = try DHCPv6Message.parse(&r, relayDepth: relayDepth + 1)
            // The option is boxed (indirect); a validating parse does not keep it.
            return Mode.buildsModel ? .relayMessage(relayed) : .rapidCommit
        case 11:
            guard length >= 11 else {
                throw DHCPv6Error(field: "option-len", offset: lengthAt, reason: "must be at least 11, got \(length)")
            }
            return .authentication(r.rest())
        case 12:
            try exactly(16)
            return .serverUnicast(try r.address("server-address"))
        case 13:
            let status = try r.u16("status-code")
            return .statusCode(StatusCode(code: status, message: r.rest()))
        case 14:
            try exactly(0)
            return .rapidCommit
        case 15:
            var items: [[UInt8]] = []
            while !r.isAtEnd { Mode.keep(try r.lengthPrefixed("user-class-data"), in: &items) }
            return .userClass(items)
        case 16:
            let enterprise = try r.u32("enterprise-number")
            var items: [[UInt8]] = []
            while !r.isAtEnd { Mode.keep(try r.lengthPrefixed("vendor-class-data"), in: &items) }
            return .vendorClass(VendorClass(enterpriseNumber: enterprise, data: items))
        case 17:
            let enterprise = try r.u32("enterprise-number")
            var items: [VendorOption] = []
            while !r.isAtEnd {
                let subcode = try r.u16("sub-option-code")
                Mode.keep(VendorOption(code: subcode, data: try r.lengthPrefixed("sub-option")), in: &items)
            }
            return .vendorOptions(VendorOptions(enterpriseNumber: enterprise, options: items))
        case 18: return .interfaceID(r.rest())
        case 19:
            try exactly(1)
            return .reconfigureMessage(try r.u8("msg-type"))
        case 20:
            try exactly(0)
            return .reconfigureAccept
        case 23:
            guard length % 16 == 0 else {
                throw DHCPv6Error(field: "option-len", offset: lengthAt, reason: "must be a multiple of 16, got \(length)")
            }
            var servers: [IPv6Address] = []
            if Mode.buildsModel { servers.reserveCapacity(length / 16) }
            while !r.isAtEnd { Mode.keep(try r.address("dns-server"), in: &servers) }
            return .dnsServers(servers)
        case 24:
            var names: [DomainName] = []
            while !r.isAtEnd { Mode.keep(try DomainName.parse(&r), in: &names) }
            return .domainList(names)
        case 26:
            let preferred = try r.u32("preferred-lifetime")
            let valid = try r.u32("valid-lifetime")
            let prefixLengthAt = r.position
            let prefixLength = try r.u8("prefix-length")
            guard prefixLength <= 128 else {
                throw DHCPv6Error(field: "prefix-length", offset: prefixLengthAt, reason: "\(prefixLength) is over 128")
            }
            let prefix = try r.address("prefix")
            let options = try parseList(&r, relayDepth: relayDepth, nesting: nesting + 1)
            return .iaPrefix(IAPrefix(
                preferredLifetime: preferred, validLifetime: valid, prefixLength: prefixLength, prefix: prefix,
                options: options))
        case 37:
            let enterprise = try r.u32("enterprise-number")
            return .remoteID(RemoteID(enterpriseNumber: enterprise, remoteID: r.rest()))
        case 38: return .subscriberID(r.rest())
        case 56:
            var items: [NTPSuboption] = []
            while !r.isAtEnd { Mode.keep(try parseNTPSuboption(&r), in: &items) }
            return .ntpServer(items)
        case 79:
            let type = try r.u16("link-layer-type")
            return .clientLinkLayerAddress(ClientLinkLayerAddress(linkLayerType: type, address: r.rest()))
        case 82:
            try exactly(4)
            return .solMaxRT(try r.u32("sol-max-rt"))
        case 83:
            try exactly(4)
            return .infMaxRT(try r.u32("inf-max-rt"))
        default:
            return .unknown(code: code, data: r.rest())
        }
    }

    /// Parses one ntp-server sub-option.
    private static func parseNTPSuboption<Mode>(_ r: inout MessageReader<Mode>) throws(DHCPv6Error) -> NTPSuboption {
        let code = try r.u16("suboption-code")
        let lengthAt = r.position
        let length = Int(try r.u16("suboption-len"))
        guard length <= r.remaining else {
            throw DHCPv6Error(
                field: "suboption-len", offset: lengthAt,
                reason: "length \(length) runs past the end: \(byteCount(r.remaining)) left")
        }
        var body = r.sub(length)
        switch code {
        case 1, 2:
            guard length == 16 else {
                throw DHCPv6Error(field: "suboption \(code).suboption-len", offset: lengthAt, reason: "must be 16, got \(length)")
            }
            let address = try body.address("address")
            return code == 1 ? .serverAddress(address) : .multicastAddress(address)
        case 3:
            do throws(DHCPv6Error) {
                let name = try DomainName.parse(&body)
                guard body.isAtEnd else {
                    throw DHCPv6Error(field: "name", offset: body.position, reason: "\(byteCount(body.remaining)) after the name")
                }
                return .serverFQDN(name)
            } catch {
                throw error.prefixed("suboption \(code)")
            }
        default:
            return .unknown(code: code, data: body.rest())
        }
    }
}
