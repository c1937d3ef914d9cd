import JSONValue
import TextCodecs

private func num<T: BinaryInteger>(_ v: T) -> JSONValue { .int(Int64(v)) }
private func hex(_ bytes: [UInt8]) -> JSONValue { .string(bytes.hexString) }
private func list(_ options: [DHCPv6Option]) -> JSONValue { .array(options.map(\.json)) }

extension DHCPv6Message {
    /// The message as JSON: `type` (name), then `transaction_id` (6 hex digits) for client/server
    /// messages or `hop_count`, `link_address`, `peer_address` for relays, then `options`; relays end
    /// with `relayed_message` (the relayed message's JSON or `null`). The relay-msg option that holds
    /// the relayed message is listed as `{"code": 9, "name": "relay-msg"}` without it: writing it twice
    /// per level would double the output (and the work) with every level of nesting. Unknown messages
    /// are `{"type": "unknown-N", "data": hex}`.
    public var json: JSONValue {
        switch self {
        case .clientServer(let m):
            return .object([
                ("type", .string(m.type.name)), ("transaction_id", .string(Hex.padded(m.transactionID & 0xFF_FFFF, digits: 6))),
                ("options", list(m.options)),
            ])
        case .relay(let m):
            var options: [JSONValue] = []
            var relayed: JSONValue = .null
            for option in m.options {
                if case .relayMessage(let inner) = option, relayed.isNull {
                    relayed = inner.json
                    options.append(.object([("code", num(option.code)), ("name", .string(option.name))]))
                } else {
                    options.append(option.json)
                }
            }
            return .object([
                ("type", .string(m.type.name)), ("hop_count", num(m.hopCount)),
                ("link_address", .string(m.linkAddress.description)), ("peer_address", .string(m.peerAddress.description)),
                ("options", .array(options)), ("relayed_message", relayed),
            ])
        case let .unknown(type, data):
            return .object([("type", .string(MessageType(rawValue: type).name)), ("data", hex(data))])
        }
    }
}

extension DHCPv6Option {
    /// The option as JSON: `{"code": N, "name": "...", ...decoded fields in snake_case...}`; bytes are
    /// lower-case hex, addresses RFC 5952 text, prefixes `"2001:db8::/56"`.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("code", num(code)), ("name", .string(name))]
        switch self {
        case .clientID(let duid), .serverID(let duid):
            fields += [("duid", duid.json), ("hex", hex(duid.bytes))]
        case .iaNA(let ia), .iaPD(let ia):
            fields += [("iaid", num(ia.iaid)), ("t1", num(ia.t1)), ("t2", num(ia.t2)), ("options", list(ia.options))]
        case .iaTA(let ia):
            fields += [("iaid", num(ia.iaid)), ("options", list(ia.options))]
        case .iaAddress(let a):
            fields += [
                ("address", .string(a.address.description)), ("preferred_lifetime", num(a.preferredLifetime)),
                ("valid_lifetime", num(a.validLifetime)), ("options", list(a.options)),
            ]
        case .optionRequest(let codes):
            fields += [("requested_options", .array(codes.map(num)))]
        case .preference(let v):
            fields += [("preference", num(v))]
        case .elapsedTime(let v):
            fields += [("elapsed_time", num(v))]
        case .relayMessage(let m):
            fields += [("message", m.json)]
        case .authentication(let data), .interfaceID(let data), .subscriberID(let data), .unknown(_, let data):
            fields += [("data", hex(data))]
        case .serverUnicast(let a):
            fields += [("address", .string(a.description))]
        case .statusCode(let s):
            fields += [("status", .string(s.name)), ("status_code", num(s.code)), ("message", .string(s.messageText))]
        case .rapidCommit, .reconfigureAccept:
            break
        case .userClass(let items):
            fields += [("user_classes", .array(items.map(hex)))]
        case .vendorClass(let vc):
            fields += [("enterprise_number", num(vc.enterpriseNumber)), ("vendor_classes", .array(vc.data.map(hex)))]
        case .vendorOptions(let vo):
            let subs: [JSONValue] = vo.options.map { .object([("code", num($0.code)), ("data", hex($0.data))]) }
            fields += [("enterprise_number", num(vo.enterpriseNumber)), ("options", .array(subs))]
        case .reconfigureMessage(let v):
            fields += [("message_type", .string(MessageType(rawValue: v).name))]
        case .dnsServers(let servers):
            fields += [("servers", .array(servers.map { .string($0.description) }))]
        case .domainList(let names):
            fields += [("domains", .array(names.map { .string($0.description) }))]
        case .iaPrefix(let p):
            fields += [
                ("prefix", .string("\(p.prefix)/\(p.prefixLength)")), ("preferred_lifetime", num(p.preferredLifetime)),
                ("valid_lifetime", num(p.validLifetime)), ("options", list(p.options)),
            ]
        case .remoteID(let rid):
            fields += [("enterprise_number", num(rid.enterpriseNumber)), ("remote_id", hex(rid.remoteID))]
        case .ntpServer(let subs):
            fields += [("suboptions", .array(subs.map(\.json)))]
        case .clientLinkLayerAddress(let c):
            fields += [("link_layer_type", num(c.linkLayerType)), ("link_layer_address", hex(c.address))]
        case .solMaxRT(let v):
            fields += [("sol_max_rt", num(v))]
        case .infMaxRT(let v):
            fields += [("inf_max_rt", num(v))]
        }
        return .object(fields)
    }
}

extension NTPSuboption {
    /// `{"code": N, "name": "...", "address" | "fqdn" | "data": ...}`.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("code", num(code)), ("name", .string(name))]
        switch self {
        case .serverAddress(let a), .multicastAddress(let a): fields.append(("address", .string(a.description)))
        case .serverFQDN(let n): fields.append(("fqdn", .string(n.description)))
        case .unknown(_, let data): fields.append(("data", hex(data)))
        }
        return .object(fields)
    }
}
