import TextCodecs

extension DHCPv6Message {
    /// One line for humans, e.g.
    /// `"reply txid=0x1a2b3c client=duid-ll 1/00:11:22:33:44:55 ia-na 2001:db8::5 ia-pd 2001:db8:100::/56"`.
    ///
    /// Relays are prefixed per level: `"relay-forw hops=0 link=2001:db8::1 peer=fe80::1 > solicit txid=..."`.
    /// A non-success top-level status code of the innermost message is appended as `status=<name>`;
    /// IAs without leases but with a status show as `ia-na <name>`.
    public var summary: String {
        var parts: [String] = []
        var current = self
        while case .relay(let r) = current {
            parts.append("\(r.type.name) hops=\(r.hopCount) link=\(r.linkAddress) peer=\(r.peerAddress)")
            guard let inner = r.relayedMessage else { return parts.joined(separator: " > ") }
            current = inner
        }
        parts.append(current.ownSummary)
        return parts.joined(separator: " > ")
    }

    /// The summary of a non-relay message.
    private var ownSummary: String {
        guard case .clientServer(let m) = self else {
            if case let .unknown(type, data) = self { return "\(MessageType(rawValue: type).name) \(byteCount(data.count))" }
            return messageType.name
        }
        var words = ["\(m.type.name) txid=0x\(Hex.padded(m.transactionID & 0xFF_FFFF, digits: 6))"]
        var status: StatusCode?
        for option in m.options {
            switch option {
            case .clientID(let duid): words.append("client=\(duid)")
            case .iaNA(let ia): words.append(contentsOf: Self.iaWords("ia-na", ia.options))
            case .iaTA(let ia): words.append(contentsOf: Self.iaWords("ia-ta", ia.options))
            case .iaPD(let ia): words.append(contentsOf: Self.iaWords("ia-pd", ia.options))
            case .statusCode(let s): status = s
            default: continue
            }
        }
        if let status, status.code != 0 { words.append("status=\(status.name)") }
        return words.joined(separator: " ")
    }

    /// `"ia-na 2001:db8::5"` per address or prefix, or `"ia-na <status>"` for an IA without leases.
    private static func iaWords(_ kind: String, _ options: [DHCPv6Option]) -> [String] {
        var words: [String] = []
        var status: StatusCode?
        for o in options {
            switch o {
            case .iaAddress(let a): words.append("\(kind) \(a.address)")
            case .iaPrefix(let p): words.append("\(kind) \(p.prefix)/\(p.prefixLength)")
            case .statusCode(let s): status = s
            default: continue
            }
        }
        if words.isEmpty { words.append("\(kind) \(status?.name ?? "empty")") }
        return words
    }
}
