import DHCPKafkaTestSupport
import DHCPv6
import JSONValue
import Testing

/// Whole messages: relays, JSON, accessors and summaries.
@Suite struct MessageTests {
    /// A reply with client-id (DUID-LL), server-id, an IA_NA with one address and an IA_PD with one prefix.
    static let reply = """
        07 1a2b3c
        0001 000a 0003 0001 001122334455
        0002 000a 0003 0001 66778899aabb
        0003 0028 00000001 00000e10 00001518
          0005 0018 20010db8000000000000000000000005 00001c20 00002a30
        0019 0029 00000002 00000e10 00001518
          001a 0019 00001c20 00002a30 38 20010db8010000000000000000000000
        """
    /// relay-forw (outer, hop 1: remote-id, interface-id "eth1") > relay-forw (inner, hop 0: interface-id "eth0") > reply.
    static var twoRelays: String {
        let replyLength = hexBytes(reply).count  // 103
        let inner = "0c 00 20010db8000000000000000000000001 fe800000000000000000000000000001 0012 0004 65746830 0009 "
            + hexString([UInt8(replyLength >> 8), UInt8(replyLength & 0xff)]) + reply
        let innerLength = hexBytes(inner).count
        return "0c 01 20010db8000000000000000000000002 fe800000000000000000000000000002"
            + " 0025 0008 00000009 01020304 0012 0004 65746831 0009 "
            + hexString([UInt8(innerLength >> 8), UInt8(innerLength & 0xff)]) + inner
    }

    @Test func replyAccessorsAndSummary() throws {
        let m = try roundTrip(Self.reply)
        #expect(m.messageType == .reply)
        #expect(m.clientDUID == .ll(hardwareType: 1, linkLayerAddress: hexBytes("001122334455")))
        #expect(m.interfaceID == nil && m.remoteID == nil)
        #expect(
            m.assignedLeases == [
                Lease(kind: .address, address: ip("2001:db8::5"), prefixLength: 128, preferredLifetime: 7200, validLifetime: 10800, iaid: 1),
                Lease(kind: .prefix, address: ip("2001:db8:100::"), prefixLength: 56, preferredLifetime: 7200, validLifetime: 10800, iaid: 2),
            ])
        #expect(m.summary == "reply txid=0x1a2b3c client=duid-ll 1/00:11:22:33:44:55 ia-na 2001:db8::5 ia-pd 2001:db8:100::/56")
    }

    @Test func accessorsThroughTwoRelays() throws {
        let m = try roundTrip(Self.twoRelays)
        #expect(m.messageType == .relayForward)
        guard case .relay(let outer) = m, case .relay(let inner)? = outer.relayedMessage else {
            Issue.record("expected two relays")
            return
        }
        #expect(outer.hopCount == 1 && inner.hopCount == 0)
        #expect(inner.peerAddress == ip("fe80::1"))
        #expect(m.innermostMessage == (try DHCPv6Message.parse(hexBytes(Self.reply))))
        #expect(m.clientDUID == .ll(hardwareType: 1, linkLayerAddress: hexBytes("001122334455")))
        #expect(m.interfaceID == Array("eth1".utf8))  // outermost relay that has one
        #expect(m.remoteID == RemoteID(enterpriseNumber: 9, remoteID: [1, 2, 3, 4]))  // only the outer relay has one
        #expect(m.assignedLeases.count == 2)
        #expect(
            m.summary
                == "relay-forw hops=1 link=2001:db8::2 peer=fe80::2 > relay-forw hops=0 link=2001:db8::1 peer=fe80::1 > "
                + "reply txid=0x1a2b3c client=duid-ll 1/00:11:22:33:44:55 ia-na 2001:db8::5 ia-pd 2001:db8:100::/56")
    }

    @Test func interfaceIDFromInnerRelayWhenOuterHasNone() throws {
        let solicit = DHCPv6Message.clientServer(ClientServerMessage(type: .solicit, transactionID: 1, options: [.rapidCommit]))
        let inner = RelayMessage(
            type: .relayForward, hopCount: 0, linkAddress: ip("2001:db8::1"), peerAddress: ip("fe80::1"),
            options: [.interfaceID([1]), .remoteID(RemoteID(enterpriseNumber: 1, remoteID: [2])), .relayMessage(solicit)])
        var outer = RelayMessage(type: .relayForward, hopCount: 1, linkAddress: .unspecified, peerAddress: ip("fe80::2"))
        outer.relayedMessage = .relay(inner)
        let m = DHCPv6Message.relay(outer)
        #expect(m.interfaceID == [1])
        #expect(m.remoteID == RemoteID(enterpriseNumber: 1, remoteID: [2]))
        #expect(m.innermostMessage == solicit)
        #expect(m.clientDUID == nil)
        #expect(try DHCPv6Message.parse(m.serialized()) == m)
    }

    @Test func relayWithoutRelayMessageIsFine() throws {
        let m = try roundTrip("0d 05 00000000000000000000000000000000 fe800000000000000000000000000001")
        guard case .relay(let r) = m else {
            Issue.record("expected a relay")
            return
        }
        #expect(r.relayedMessage == nil && r.options.isEmpty && r.type == .relayReply)
        #expect(m.innermostMessage == m)
        #expect(m.json["relayed_message"] == .null)
        #expect(m.summary == "relay-repl hops=5 link=:: peer=fe80::1")
    }

    @Test func unknownAndLeasequeryTypes() throws {
        #expect(try roundTrip("ff 0102") == .unknown(type: 255, data: [1, 2]))
        #expect(try roundTrip("00") == .unknown(type: 0, data: []))
        #expect(try roundTrip("ff 0102").json.compactText == #"{"type":"unknown-255","data":"0102"}"#)
        #expect(try roundTrip("0e 000001").messageType.name == "leasequery")
        #expect(MessageType(rawValue: 21).name == "dhcpv4-response")
        #expect(MessageType(rawValue: 22).name == "unknown-22")
    }

    @Test func clientServerJSON() throws {
        let m = try roundTrip(
            "01 00abcd 0001 000a 0003 0001 001122334455 0008 0002 0000 000d 0004 0002 6869 0019 000c 00000001 00000000 00000000")
        #expect(
            m.json.compactText
                == #"{"type":"solicit","transaction_id":"00abcd","options":["#
                + #"{"code":1,"name":"client-id","duid":{"type":"duid-ll","hardware_type":1,"link_layer_address":"001122334455"},"hex":"00030001001122334455"},"#
                + #"{"code":8,"name":"elapsed-time","elapsed_time":0},"#
                + #"{"code":13,"name":"status-code","status":"no-addrs-avail","status_code":2,"message":"hi"},"#
                + #"{"code":25,"name":"ia-pd","iaid":1,"t1":0,"t2":0,"options":[]}]}"#)
    }

    @Test func relayJSON() throws {
        let m = try roundTrip(Self.twoRelays)
        let json = m.json
        guard case .object(let members) = json else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.0) == ["type", "hop_count", "link_address", "peer_address", "options", "relayed_message"])
        #expect(json["link_address"] == "2001:db8::2")
        #expect(json["options"]?.arrayValue?.first == .object([("code", 37), ("name", "remote-id"), ("enterprise_number", 9), ("remote_id", "01020304")]))
        #expect(json["relayed_message"]?["relayed_message"]?["transaction_id"] == "1a2b3c")
        let relayMsgOption = json["options"]?.arrayValue?.last
        #expect(relayMsgOption?["name"] == "relay-msg")
        // The relayed message is written once, under relayed_message, not again inside its option.
        #expect(relayMsgOption == .object([("code", 9), ("name", "relay-msg")]))
        let pd = json["relayed_message"]?["relayed_message"]?["options"]?.arrayValue?.last
        #expect(pd?["options"]?.arrayValue?.first?["prefix"] == "2001:db8:100::/56")
        #expect(try JSONValue.parse(json.compactText) == json)
    }

    @Test func optionJSONShapes() throws {
        #expect(DHCPv6Option.interfaceID([0xAB]).json.compactText == #"{"code":18,"name":"interface-id","data":"ab"}"#)
        #expect(DHCPv6Option.optionRequest([23]).json["requested_options"] == .array([23]))
        #expect(
            DHCPv6Option.iaAddress(IAAddress(address: ip("2001:db8::1"), preferredLifetime: 1, validLifetime: 2)).json.compactText
                == #"{"code":5,"name":"iaaddr","address":"2001:db8::1","preferred_lifetime":1,"valid_lifetime":2,"options":[]}"#)
        #expect(DHCPv6Option.domainList([DomainName(labels: [[0x61]])]).json["domains"] == .array(["a"]))
        #expect(DHCPv6Option.clientID(.uuid([UInt8](repeating: 0xAA, count: 16))).json["duid"]?["type"] == "duid-uuid")
    }

    @Test func buildAndSerialize() throws {
        let duid = DUID.llt(hardwareType: 1, time: 0, linkLayerAddress: [1, 2, 3, 4, 5, 6])
        let m = DHCPv6Message.clientServer(ClientServerMessage(
            type: .request, transactionID: 0xABCDEF, options: [.clientID(duid), .elapsedTime(0)]))
        #expect(m.serialized() == hexBytes("03 abcdef 0001 000e 0001 0001 00000000 010203040506 0008 0002 0000"))
        var buffer: [UInt8] = [9, 9]
        m.serialize(into: &buffer)
        #expect(buffer == [9, 9] + m.serialized())
        #expect(try DHCPv6Message.parse(buffer, offset: 2) == m)
    }
}
