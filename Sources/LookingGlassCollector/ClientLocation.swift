import DHCPv6
import LookingGlassStore
import TextCodecs

/// Finds where a client sits: the relay chain without DHCPKit's internal wrapper, the outermost real
/// relay's interface-id / remote-id / subscriber-id, and the MAC inside the DUID or link-local address.
public enum ClientLocation {
    /// How to treat the outermost relay-forw of a message.
    public enum WrapperMode: String, Sendable, CaseIterable {
        /// Recognise DHCPKit's wrapper by its shape (see ``isDHCPKitWrapper(_:in:)``).
        case auto
        /// Every message with a relay comes from DHCPKit: the outermost relay is always its wrapper.
        case always
        /// No message comes from DHCPKit: every relay is real.
        case never
    }

    /// Whether `chain[0]` is the relay-forw DHCPKit wraps around every message it receives: hop count
    /// one more than the relay inside (0 around a client message), no option but an interface-id and
    /// the relay-msg, and that interface-id a Linux interface name (`eth0`: 1-15 bytes of letters,
    /// digits, `.`, `-`, `_`, `@`, `:`). Real relays almost always add more (remote-id, subscriber-id)
    /// or use interface-ids that are not interface names (circuit ids with `/`, binary ids); where an
    /// installation's relays look exactly like it, set the mode explicitly.
    public static func isDHCPKitWrapper(_ relay: RelayMessage, in chain: [RelayMessage]) -> Bool {
        let expectedHops = chain.count > 1 ? Int(chain[1].hopCount) + 1 : 0
        guard relay.type == .relayForward, Int(relay.hopCount) == expectedHops else { return false }
        var interfaceName: [UInt8]?
        for option in relay.options {
            switch option {
            case .interfaceID(let id): interfaceName = id
            case .relayMessage: continue
            default: return false
            }
        }
        guard let name = interfaceName, (1...15).contains(name.count) else { return false }
        return name.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || [0x2E, 0x2D, 0x5F, 0x40, 0x3A].contains(byte)
        }
    }

    /// The relay chain of `message` (outermost first) without the wrapper, per `mode`.
    public static func realRelays(of message: DHCPv6Message, mode: WrapperMode) -> [RelayMessage] {
        let chain = message.relayChain
        guard let first = chain.first else { return [] }
        switch mode {
        case .never: return chain
        case .always: return Array(chain.dropFirst())
        case .auto: return isDHCPKitWrapper(first, in: chain) ? Array(chain.dropFirst()) : chain
        }
    }

    /// The client of a message: its DUID and the options of the outermost real relay that carry them.
    /// Nil when no client-id is present.
    public static func client(of message: DHCPv6Message, relays: [RelayMessage]) -> ClientInput? {
        guard let duid = message.clientDUID else { return nil }
        var interfaceID: [UInt8]?
        var remoteID: [UInt8]?
        var subscriberID: [UInt8]?
        for relay in relays {
            for option in relay.options {
                switch option {
                case .interfaceID(let id) where interfaceID == nil: interfaceID = id
                case .remoteID(let id) where remoteID == nil: remoteID = id.remoteID
                case .subscriberID(let id) where subscriberID == nil: subscriberID = id
                default: continue
                }
            }
        }
        // The client's own address: the peer address of the innermost relay, wrapper included.
        let peer = message.relayChain.last?.peerAddress
        return ClientInput(
            duid: duid.bytes, interfaceID: interfaceID ?? [], remoteID: remoteID ?? [], subscriberID: subscriberID ?? [],
            mac: mac(of: duid) ?? peer.flatMap(mac(ofLinkLocal:)))
    }

    /// The Ethernet MAC inside a DUID-LL or DUID-LLT (hardware type 1, 6 bytes).
    public static func mac(of duid: DUID) -> String? {
        switch duid {
        case let .ll(hardwareType, address), let .llt(hardwareType, _, address):
            guard hardwareType == 1, address.count == 6 else { return nil }
            return macText(address)
        default: return nil
        }
    }

    /// The MAC inside an EUI-64 link-local address (`fe80::` with `ff:fe` in the middle, U/L bit flipped).
    public static func mac(ofLinkLocal address: IPv6Address) -> String? {
        let bytes = address.bytes
        guard bytes.count == 16, bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80, bytes[11] == 0xFF, bytes[12] == 0xFE else {
            return nil
        }
        return macText([bytes[8] ^ 0x02, bytes[9], bytes[10], bytes[13], bytes[14], bytes[15]])
    }

    static func macText(_ bytes: [UInt8]) -> String { Hex.encode(bytes, separator: ":") }
}
