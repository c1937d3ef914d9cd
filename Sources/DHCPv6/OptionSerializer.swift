extension DHCPv6Option {
    /// Appends the option (code, length, data). Lengths over 65535 bytes are truncated to 16 bits,
    /// so only build options that fit.
    public func serialize(into out: inout [UInt8]) {
        out.append16(code)
        let lengthAt = out.appendLengthPlaceholder()
        serializeBody(into: &out)
        out.patchLength(at: lengthAt)
    }

    // swiftlint:disable:next cyclomatic_complexity
    private func serializeBody(into out: inout [UInt8]) {
        switch self {
        case .clientID(let duid), .serverID(let duid):
            duid.serialize(into: &out)
        case .iaNA(let ia), .iaPD(let ia):
            out.append32(ia.iaid)
            out.append32(ia.t1)
            out.append32(ia.t2)
            Self.serialize(ia.options, into: &out)
        case .iaTA(let ia):
            out.append32(ia.iaid)
            Self.serialize(ia.options, into: &out)
        case .iaAddress(let a):
            a.address.append(to: &out)
            out.append32(a.preferredLifetime)
            out.append32(a.validLifetime)
            Self.serialize(a.options, into: &out)
        case .optionRequest(let codes):
            for c in codes { out.append16(c) }
        case .preference(let v), .reconfigureMessage(let v):
            out.append(v)
        case .elapsedTime(let v):
            out.append16(v)
        case .relayMessage(let message):
            message.serialize(into: &out)
        case .authentication(let data), .interfaceID(let data), .subscriberID(let data), .unknown(_, let data):
            out.append(contentsOf: data)
        case .serverUnicast(let address):
            address.append(to: &out)
        case .statusCode(let status):
            out.append16(status.code)
            out.append(contentsOf: status.message)
        case .rapidCommit, .reconfigureAccept:
            break
        case .userClass(let items):
            Self.appendLengthPrefixed(items, into: &out)
        case .vendorClass(let vc):
            out.append32(vc.enterpriseNumber)
            Self.appendLengthPrefixed(vc.data, into: &out)
        case .vendorOptions(let vo):
            out.append32(vo.enterpriseNumber)
            for o in vo.options {
                out.append16(o.code)
                out.append16(UInt16(truncatingIfNeeded: o.data.count))
                out.append(contentsOf: o.data)
            }
        case .dnsServers(let servers):
            for s in servers { s.append(to: &out) }
        case .domainList(let names):
            for n in names { n.serialize(into: &out) }
        case .iaPrefix(let p):
            out.append32(p.preferredLifetime)
            out.append32(p.validLifetime)
            out.append(p.prefixLength)
            p.prefix.append(to: &out)
            Self.serialize(p.options, into: &out)
        case .remoteID(let rid):
            out.append32(rid.enterpriseNumber)
            out.append(contentsOf: rid.remoteID)
        case .ntpServer(let suboptions):
            for s in suboptions { s.serialize(into: &out) }
        case .clientLinkLayerAddress(let c):
            out.append16(c.linkLayerType)
            out.append(contentsOf: c.address)
        case .solMaxRT(let v), .infMaxRT(let v):
            out.append32(v)
        }
    }

    /// Appends each option in order.
    static func serialize(_ options: [DHCPv6Option], into out: inout [UInt8]) {
        for o in options { o.serialize(into: &out) }
    }

    private static func appendLengthPrefixed(_ items: [[UInt8]], into out: inout [UInt8]) {
        for item in items {
            out.append16(UInt16(truncatingIfNeeded: item.count))
            out.append(contentsOf: item)
        }
    }
}

extension NTPSuboption {
    /// Appends the sub-option (code, length, data).
    func serialize(into out: inout [UInt8]) {
        out.append16(code)
        let lengthAt = out.appendLengthPlaceholder()
        switch self {
        case .serverAddress(let a), .multicastAddress(let a): a.append(to: &out)
        case .serverFQDN(let name): name.serialize(into: &out)
        case .unknown(_, let data): out.append(contentsOf: data)
        }
        out.patchLength(at: lengthAt)
    }
}
