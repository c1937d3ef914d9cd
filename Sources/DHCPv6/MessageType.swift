/// A DHCPv6 message type (RFC 8415 section 7.3 and successors). Unknown values are kept as they are.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type byte on the wire.
    public let rawValue: UInt8

    /// Wraps a type byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// SOLICIT (1).
    public static let solicit = MessageType(rawValue: 1)
    /// ADVERTISE (2).
    public static let advertise = MessageType(rawValue: 2)
    /// REQUEST (3).
    public static let request = MessageType(rawValue: 3)
    /// CONFIRM (4).
    public static let confirm = MessageType(rawValue: 4)
    /// RENEW (5).
    public static let renew = MessageType(rawValue: 5)
    /// REBIND (6).
    public static let rebind = MessageType(rawValue: 6)
    /// REPLY (7).
    public static let reply = MessageType(rawValue: 7)
    /// RELEASE (8).
    public static let release = MessageType(rawValue: 8)
    /// DECLINE (9).
    public static let decline = MessageType(rawValue: 9)
    /// RECONFIGURE (10).
    public static let reconfigure = MessageType(rawValue: 10)
    /// INFORMATION-REQUEST (11).
    public static let informationRequest = MessageType(rawValue: 11)
    /// RELAY-FORW (12).
    public static let relayForward = MessageType(rawValue: 12)
    /// RELAY-REPL (13).
    public static let relayReply = MessageType(rawValue: 13)
    /// LEASEQUERY (14, RFC 5007).
    public static let leasequery = MessageType(rawValue: 14)
    /// LEASEQUERY-REPLY (15, RFC 5007).
    public static let leasequeryReply = MessageType(rawValue: 15)
    /// LEASEQUERY-DONE (16, RFC 5460).
    public static let leasequeryDone = MessageType(rawValue: 16)
    /// LEASEQUERY-DATA (17, RFC 5460).
    public static let leasequeryData = MessageType(rawValue: 17)
    /// RECONFIGURE-REQUEST (18, RFC 6977).
    public static let reconfigureRequest = MessageType(rawValue: 18)
    /// RECONFIGURE-REPLY (19, RFC 6977).
    public static let reconfigureReply = MessageType(rawValue: 19)
    /// DHCPV4-QUERY (20, RFC 7341).
    public static let dhcpv4Query = MessageType(rawValue: 20)
    /// DHCPV4-RESPONSE (21, RFC 7341).
    public static let dhcpv4Response = MessageType(rawValue: 21)

    private static let names: [String] = [
        "unknown-0", "solicit", "advertise", "request", "confirm", "renew", "rebind", "reply", "release", "decline",
        "reconfigure", "information-request", "relay-forw", "relay-repl", "leasequery", "leasequery-reply",
        "leasequery-done", "leasequery-data", "reconfigure-request", "reconfigure-reply", "dhcpv4-query",
        "dhcpv4-response",
    ]

    /// The lower-case name, e.g. `"solicit"`, `"relay-forw"`, or `"unknown-N"`.
    public var name: String {
        Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "unknown-\(rawValue)"
    }

    /// Same as ``name``.
    public var description: String { name }

    /// Whether this is RELAY-FORW or RELAY-REPL (relay layout: hop count, link and peer addresses).
    public var isRelay: Bool { rawValue == 12 || rawValue == 13 }

    /// Whether this type uses the client/server layout (type, 3-byte transaction id, options):
    /// types 1-11 and 14-21.
    public var isClientServer: Bool { (1...11).contains(rawValue) || (14...21).contains(rawValue) }
}
