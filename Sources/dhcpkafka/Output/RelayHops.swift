import DHCPKafkaWire
import DHCPv6
import JSONValue
import TextCodecs

/// Which relay hop the frame's `interface_id` and `remote_id` come from, for `consume --json`.
///
/// The frame's top-level `interface_id`/`remote_id` are those of the *outermost* relay that
/// carries one (`message_in` first). In frames from DHCPKit that outermost relay is DHCPKit's own
/// wrapper: the server wraps every message it receives in a relay-forw describing its own
/// interface (the interface_id is the server's interface name), and the real relay agents are
/// nested inside it. `relays` lists every hop of both messages, outermost (level 0) first, and
/// `interface_id_from` / `remote_id_from` name the hop the top-level value was taken from.
enum RelayHops {
    static func json(_ message: DHCPKafkaMessage) -> [(String, JSONValue)] {
        var hops: [JSONValue] = []
        var interfaceFrom: JSONValue = .null
        var remoteFrom: JSONValue = .null
        for (name, dhcp) in [("message_in", message.messageIn), ("message_out", message.messageOut)] {
            guard let dhcp else { continue }
            for (level, relay) in dhcp.relayChain.enumerated() {
                var hop: [(String, JSONValue)] = [
                    ("message", .string(name)), ("level", .int(Int64(level))),
                    ("link_address", .string(relay.linkAddress.description)),
                    ("peer_address", .string(relay.peerAddress.description)),
                ]
                let place: JSONValue = .object([("message", .string(name)), ("level", .int(Int64(level)))])
                for case .interfaceID(let id) in relay.options {
                    hop.append(("interface_id", .string(id.hexString)))
                    if interfaceFrom.isNull { interfaceFrom = place }
                    break
                }
                for case .remoteID(let id) in relay.options {
                    hop.append(("remote_id", .string(id.remoteID.hexString)))
                    hop.append(("remote_id_enterprise_number", .uint(UInt64(id.enterpriseNumber))))
                    if remoteFrom.isNull { remoteFrom = place }
                    break
                }
                hops.append(.object(hop))
            }
        }
        return [("relays", .array(hops)), ("interface_id_from", interfaceFrom), ("remote_id_from", remoteFrom)]
    }
}
