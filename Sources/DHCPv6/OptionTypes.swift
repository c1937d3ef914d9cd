/// The body of an IA_NA (option 3) or IA_PD (option 25): IAID, T1, T2 and encapsulated options.
public struct IdentityAssociation: Hashable, Sendable {
    /// The identity association identifier.
    public var iaid: UInt32
    /// Seconds until the client contacts the server that assigned the leases (renew).
    public var t1: UInt32
    /// Seconds until the client contacts any server (rebind).
    public var t2: UInt32
    /// Encapsulated options (iaaddr or iaprefix, status-code, ...).
    public var options: [DHCPv6Option]

    /// Creates an identity association.
    public init(iaid: UInt32, t1: UInt32, t2: UInt32, options: [DHCPv6Option] = []) {
        self.iaid = iaid
        self.t1 = t1
        self.t2 = t2
        self.options = options
    }
}

/// The body of an IA_TA (option 4): IAID and encapsulated options.
public struct TemporaryAssociation: Hashable, Sendable {
    /// The identity association identifier.
    public var iaid: UInt32
    /// Encapsulated options (iaaddr, status-code, ...).
    public var options: [DHCPv6Option]

    /// Creates a temporary identity association.
    public init(iaid: UInt32, options: [DHCPv6Option] = []) {
        self.iaid = iaid
        self.options = options
    }
}

/// The body of an IAADDR option (5).
public struct IAAddress: Hashable, Sendable {
    /// The leased address.
    public var address: IPv6Address
    /// Preferred lifetime in seconds.
    public var preferredLifetime: UInt32
    /// Valid lifetime in seconds.
    public var validLifetime: UInt32
    /// Encapsulated options (status-code, ...).
    public var options: [DHCPv6Option]

    /// Creates an IAADDR body.
    public init(address: IPv6Address, preferredLifetime: UInt32, validLifetime: UInt32, options: [DHCPv6Option] = []) {
        self.address = address
        self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime
        self.options = options
    }
}

/// The body of an IAPREFIX option (26).
public struct IAPrefix: Hashable, Sendable {
    /// Preferred lifetime in seconds.
    public var preferredLifetime: UInt32
    /// Valid lifetime in seconds.
    public var validLifetime: UInt32
    /// The prefix length, at most 128 when parsed.
    public var prefixLength: UInt8
    /// The prefix.
    public var prefix: IPv6Address
    /// Encapsulated options (status-code, ...).
    public var options: [DHCPv6Option]

    /// Creates an IAPREFIX body.
    public init(
        preferredLifetime: UInt32, validLifetime: UInt32, prefixLength: UInt8, prefix: IPv6Address,
        options: [DHCPv6Option] = []
    ) {
        self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime
        self.prefixLength = prefixLength
        self.prefix = prefix
        self.options = options
    }
}

/// The body of a status-code option (13). The message is kept as raw bytes so invalid UTF-8 round-trips.
public struct StatusCode: Hashable, Sendable {
    /// The numeric status code.
    public var code: UInt16
    /// The message bytes (UTF-8 by the RFC, not checked).
    public var message: [UInt8]

    /// Creates a status code with raw message bytes.
    public init(code: UInt16, message: [UInt8] = []) {
        self.code = code
        self.message = message
    }

    /// Creates a status code with a text message.
    public init(code: UInt16, text: String) {
        self.init(code: code, message: Array(text.utf8))
    }

    /// The message decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var messageText: String { String(decoding: message, as: UTF8.self) }

    private static let names = [
        "success", "unspec-fail", "no-addrs-avail", "no-binding", "not-on-link", "use-multicast", "no-prefix-avail",
        "unknown-query-type", "malformed-query", "not-configured", "not-allowed", "query-terminated", "data-missing",
        "catch-up-complete", "not-supported", "tls-connection-refused", "address-in-use", "configuration-conflict",
        "missing-binding-information", "outdated-binding-information", "server-shutting-down",
        "dns-update-not-supported", "excessive-time-skew",
    ]

    /// The status name, e.g. `"success"`, `"no-addrs-avail"`, or `"unknown-N"`.
    public var name: String { Int(code) < Self.names.count ? Self.names[Int(code)] : "unknown-\(code)" }
}

/// The body of a vendor-class option (16).
public struct VendorClass: Hashable, Sendable {
    /// The vendor's IANA enterprise number.
    public var enterpriseNumber: UInt32
    /// The opaque vendor class data items.
    public var data: [[UInt8]]

    /// Creates a vendor-class body.
    public init(enterpriseNumber: UInt32, data: [[UInt8]]) {
        self.enterpriseNumber = enterpriseNumber
        self.data = data
    }
}

/// One sub-option of a vendor-opts option.
public struct VendorOption: Hashable, Sendable {
    /// The vendor-defined sub-option code.
    public var code: UInt16
    /// The sub-option data.
    public var data: [UInt8]

    /// Creates a vendor sub-option.
    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}

/// The body of a vendor-opts option (17).
public struct VendorOptions: Hashable, Sendable {
    /// The vendor's IANA enterprise number.
    public var enterpriseNumber: UInt32
    /// The vendor sub-options.
    public var options: [VendorOption]

    /// Creates a vendor-opts body.
    public init(enterpriseNumber: UInt32, options: [VendorOption]) {
        self.enterpriseNumber = enterpriseNumber
        self.options = options
    }
}

/// The body of a remote-id option (37, RFC 4649).
public struct RemoteID: Hashable, Sendable {
    /// The relay vendor's IANA enterprise number.
    public var enterpriseNumber: UInt32
    /// The opaque remote identifier.
    public var remoteID: [UInt8]

    /// Creates a remote-id body.
    public init(enterpriseNumber: UInt32, remoteID: [UInt8]) {
        self.enterpriseNumber = enterpriseNumber
        self.remoteID = remoteID
    }
}

/// The body of a client-linklayer-addr option (79, RFC 6939).
public struct ClientLinkLayerAddress: Hashable, Sendable {
    /// The IANA hardware type (1 = Ethernet).
    public var linkLayerType: UInt16
    /// The link-layer address.
    public var address: [UInt8]

    /// Creates a client link-layer address.
    public init(linkLayerType: UInt16, address: [UInt8]) {
        self.linkLayerType = linkLayerType
        self.address = address
    }
}

/// A sub-option of the ntp-server option (56, RFC 5908).
public enum NTPSuboption: Hashable, Sendable {
    /// 1 srv-addr: a unicast NTP server address.
    case serverAddress(IPv6Address)
    /// 2 mc-addr: a multicast address.
    case multicastAddress(IPv6Address)
    /// 3 srv-fqdn: an NTP server name.
    case serverFQDN(DomainName)
    /// Any other sub-option, kept raw.
    case unknown(code: UInt16, data: [UInt8])

    /// The sub-option code.
    public var code: UInt16 {
        switch self {
        case .serverAddress: 1
        case .multicastAddress: 2
        case .serverFQDN: 3
        case .unknown(let code, _): code
        }
    }

    /// `"srv-addr"`, `"mc-addr"`, `"srv-fqdn"` or `"unknown-N"`.
    public var name: String {
        switch self {
        case .serverAddress: "srv-addr"
        case .multicastAddress: "mc-addr"
        case .serverFQDN: "srv-fqdn"
        case .unknown(let code, _): "unknown-\(code)"
        }
    }
}
