/// A lease found in an IA of a message: an address (IAADDR) or a delegated prefix (IAPREFIX).
public struct Lease: Hashable, Sendable {
    /// Whether the lease is an address or a prefix.
    public enum Kind: Hashable, Sendable {
        /// An IAADDR in an IA_NA or IA_TA.
        case address
        /// An IAPREFIX in an IA_PD.
        case prefix
    }

    /// Address or prefix.
    public var kind: Kind
    /// The address, or the prefix's address part.
    public var address: IPv6Address
    /// The prefix length; 128 for addresses.
    public var prefixLength: UInt8
    /// Preferred lifetime in seconds.
    public var preferredLifetime: UInt32
    /// Valid lifetime in seconds.
    public var validLifetime: UInt32
    /// The IAID of the IA the lease was found in.
    public var iaid: UInt32

    /// Creates a lease.
    public init(
        kind: Kind, address: IPv6Address, prefixLength: UInt8, preferredLifetime: UInt32, validLifetime: UInt32,
        iaid: UInt32 = 0
    ) {
        self.kind = kind
        self.address = address
        self.prefixLength = prefixLength
        self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime
        self.iaid = iaid
    }
}

extension DHCPv6Message {
    /// The message itself, or for relays the message found by following relay-msg options down
    /// (a relay without relay-msg is its own innermost message).
    public var innermostMessage: DHCPv6Message {
        var current = self
        while case .relay(let r) = current, let inner = r.relayedMessage { current = inner }
        return current
    }

    /// The relays from the outermost inwards (empty for non-relay messages).
    public var relayChain: [RelayMessage] {
        var chain: [RelayMessage] = []
        var current = self
        while case .relay(let r) = current {
            chain.append(r)
            guard let inner = r.relayedMessage else { break }
            current = inner
        }
        return chain
    }

    /// The DUID in the client-id option of the innermost message.
    public var clientDUID: DUID? {
        for case .clientID(let duid) in innermostMessage.options { return duid }
        return nil
    }

    /// The DUID in the server-id option of the innermost message.
    public var serverDUID: DUID? {
        for case .serverID(let duid) in innermostMessage.options { return duid }
        return nil
    }

    /// The interface-id (option 18) of the outermost relay that has one.
    public var interfaceID: [UInt8]? {
        for relay in relayChain {
            for case .interfaceID(let id) in relay.options { return id }
        }
        return nil
    }

    /// The remote-id (option 37) of the outermost relay that has one.
    public var remoteID: RemoteID? {
        for relay in relayChain {
            for case .remoteID(let id) in relay.options { return id }
        }
        return nil
    }

    /// The IAADDR addresses and IAPREFIX prefixes in the IA_NA, IA_TA and IA_PD options of the
    /// innermost message, in wire order.
    public var assignedLeases: [Lease] {
        var leases: [Lease] = []
        for option in innermostMessage.options {
            let iaid: UInt32
            let inner: [DHCPv6Option]
            switch option {
            case .iaNA(let ia), .iaPD(let ia): (iaid, inner) = (ia.iaid, ia.options)
            case .iaTA(let ia): (iaid, inner) = (ia.iaid, ia.options)
            default: continue
            }
            for o in inner {
                switch o {
                case .iaAddress(let a):
                    leases.append(Lease(
                        kind: .address, address: a.address, prefixLength: 128, preferredLifetime: a.preferredLifetime,
                        validLifetime: a.validLifetime, iaid: iaid))
                case .iaPrefix(let p):
                    leases.append(Lease(
                        kind: .prefix, address: p.prefix, prefixLength: p.prefixLength,
                        preferredLifetime: p.preferredLifetime, validLifetime: p.validLifetime, iaid: iaid))
                default: continue
                }
            }
        }
        return leases
    }
}
