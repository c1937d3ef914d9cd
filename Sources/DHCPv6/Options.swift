/// One DHCPv6 option (RFC 8415 section 21 and the RFCs named per case).
///
/// Known options are decoded; every other code is kept raw in ``unknown(code:data:)``.
/// Serializing a parsed option gives back exactly the bytes it was parsed from.
public enum DHCPv6Option: Hashable, Sendable {
    /// 1 client-id: the client's DUID.
    case clientID(DUID)
    /// 2 server-id: the server's DUID.
    case serverID(DUID)
    /// 3 ia-na: an identity association for non-temporary addresses.
    case iaNA(IdentityAssociation)
    /// 4 ia-ta: an identity association for temporary addresses.
    case iaTA(TemporaryAssociation)
    /// 5 iaaddr: an address inside an IA_NA or IA_TA.
    case iaAddress(IAAddress)
    /// 6 oro: the option codes a client requests.
    case optionRequest([UInt16])
    /// 7 preference: the server preference value.
    case preference(UInt8)
    /// 8 elapsed-time: hundredths of a second since the client began the exchange.
    case elapsedTime(UInt16)
    /// 9 relay-msg: the message a relay forwards or delivers.
    indirect case relayMessage(DHCPv6Message)
    /// 11 auth: kept raw (protocol, algorithm, RDM, 8-byte replay detection, information); at least 11 bytes.
    case authentication([UInt8])
    /// 12 unicast: the server address the client may unicast to.
    case serverUnicast(IPv6Address)
    /// 13 status-code: a status code and a UTF-8 message.
    case statusCode(StatusCode)
    /// 14 rapid-commit (empty).
    case rapidCommit
    /// 15 user-class: opaque user class data items.
    case userClass([[UInt8]])
    /// 16 vendor-class: enterprise number and opaque vendor class data items.
    case vendorClass(VendorClass)
    /// 17 vendor-opts: enterprise number and vendor sub-options.
    case vendorOptions(VendorOptions)
    /// 18 interface-id: opaque relay interface identifier.
    case interfaceID([UInt8])
    /// 19 reconf-msg: the message type the client should answer a Reconfigure with.
    case reconfigureMessage(UInt8)
    /// 20 reconf-accept (empty).
    case reconfigureAccept
    /// 23 dns-servers (RFC 3646): recursive DNS server addresses.
    case dnsServers([IPv6Address])
    /// 24 domain-list (RFC 3646): the domain search list.
    case domainList([DomainName])
    /// 25 ia-pd (RFC 8415): an identity association for prefix delegation.
    case iaPD(IdentityAssociation)
    /// 26 iaprefix: a delegated prefix inside an IA_PD.
    case iaPrefix(IAPrefix)
    /// 37 remote-id (RFC 4649): enterprise number and the relay's remote identifier.
    case remoteID(RemoteID)
    /// 38 subscriber-id (RFC 4580): opaque subscriber identifier.
    case subscriberID([UInt8])
    /// 56 ntp-server (RFC 5908): NTP server sub-options.
    case ntpServer([NTPSuboption])
    /// 79 client-linklayer-addr (RFC 6939): the client's link-layer type and address.
    case clientLinkLayerAddress(ClientLinkLayerAddress)
    /// 82 sol-max-rt: maximum Solicit retransmission time in seconds.
    case solMaxRT(UInt32)
    /// 83 inf-max-rt: maximum Information-request retransmission time in seconds.
    case infMaxRT(UInt32)
    /// Any other option, kept raw.
    case unknown(code: UInt16, data: [UInt8])

    /// The option code on the wire.
    public var code: UInt16 {
        switch self {
        case .clientID: 1
        case .serverID: 2
        case .iaNA: 3
        case .iaTA: 4
        case .iaAddress: 5
        case .optionRequest: 6
        case .preference: 7
        case .elapsedTime: 8
        case .relayMessage: 9
        case .authentication: 11
        case .serverUnicast: 12
        case .statusCode: 13
        case .rapidCommit: 14
        case .userClass: 15
        case .vendorClass: 16
        case .vendorOptions: 17
        case .interfaceID: 18
        case .reconfigureMessage: 19
        case .reconfigureAccept: 20
        case .dnsServers: 23
        case .domainList: 24
        case .iaPD: 25
        case .iaPrefix: 26
        case .remoteID: 37
        case .subscriberID: 38
        case .ntpServer: 56
        case .clientLinkLayerAddress: 79
        case .solMaxRT: 82
        case .infMaxRT: 83
        case .unknown(let code, _): code
        }
    }

    /// The option name, e.g. `"client-id"`, `"ia-na"`, or `"unknown-99"` for codes this module does not decode.
    public var name: String { Self.name(forCode: code) }

    /// The name of a decoded option code, or `"unknown-N"`.
    public static func name(forCode code: UInt16) -> String {
        switch code {
        case 1: "client-id"
        case 2: "server-id"
        case 3: "ia-na"
        case 4: "ia-ta"
        case 5: "iaaddr"
        case 6: "oro"
        case 7: "preference"
        case 8: "elapsed-time"
        case 9: "relay-msg"
        case 11: "auth"
        case 12: "unicast"
        case 13: "status-code"
        case 14: "rapid-commit"
        case 15: "user-class"
        case 16: "vendor-class"
        case 17: "vendor-opts"
        case 18: "interface-id"
        case 19: "reconf-msg"
        case 20: "reconf-accept"
        case 23: "dns-servers"
        case 24: "domain-list"
        case 25: "ia-pd"
        case 26: "iaprefix"
        case 37: "remote-id"
        case 38: "subscriber-id"
        case 56: "ntp-server"
        case 79: "client-linklayer-addr"
        case 82: "sol-max-rt"
        case 83: "inf-max-rt"
        default: "unknown-\(code)"
        }
    }

    /// The option as it appears on the wire (code, length, data).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out)
        return out
    }
}
