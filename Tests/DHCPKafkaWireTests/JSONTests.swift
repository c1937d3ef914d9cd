import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import JSONValue
import Testing

/// The JSON form of frames, as `dhcpkafka decode --json` prints it.
@Suite struct JSONTests {
    func frame(_ name: String) throws -> DHCPKafkaMessage {
        try #require(try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame(name)) as? DHCPKafkaMessage)
    }

    func keys(_ value: JSONValue) -> [String] {
        guard case .object(let members) = value else { return [] }
        return members.map(\.0)
    }

    @Test func relayedFrameWithInterfaceAndRemoteID() throws {
        let frame = try frame("relayed-05-solicit-advertise-remote-id")
        let json = frame.json
        #expect(
            keys(json) == [
                "kafka_type", "server_name", "timestamp_in", "timestamp_out", "message_in", "message_out",
                "client_duid", "interface_id", "remote_id", "remote_id_enterprise_number",
            ])
        #expect(json["kafka_type"] == 1)
        #expect(json["server_name"] == "kea01.example.net")
        #expect(json["timestamp_in"]?.doubleValue == frame.timestampIn)
        #expect(json["timestamp_out"]?.doubleValue == frame.timestampOut)
        #expect(json["message_in"]?["type"] == "relay-forw")
        #expect(json["message_in"]?["relayed_message"]?["type"] == "solicit")
        #expect(json["message_out"]?["type"] == "relay-repl")
        #expect(json["message_out"]?["relayed_message"]?["type"] == "advertise")
        // Crafted by Fixtures/tools/craft_relay.py: Interface-ID "ge-0/0/1.42", Remote-ID enterprise 4874.
        #expect(json["interface_id"] == .string(hexString(Array("ge-0/0/1.42".utf8))))
        #expect(json["remote_id"] == .string(hexString(Array("CPE-4C:5E:0C:12:34:56".utf8))))
        #expect(json["remote_id_enterprise_number"] == 4874)

        // client_duid is the client-id of the innermost client message, not anything in the relay.
        let inner = try #require(frame.messageIn?.innermostMessage)
        guard case .clientServer(let solicit) = inner else {
            Issue.record("innermost message is not a client message")
            return
        }
        #expect(solicit.type == .solicit)
        let duid = try #require(solicit.options.lazy.compactMap { if case .clientID(let d) = $0 { d } else { nil } }.first)
        #expect(json["client_duid"] == .string(hexString(duid.bytes)))
        let txid = solicit.transactionID
        let txidHex = hexString([UInt8(truncatingIfNeeded: txid >> 16), UInt8(truncatingIfNeeded: txid >> 8), UInt8(truncatingIfNeeded: txid)])
        #expect(json["message_in"]?["relayed_message"]?["transaction_id"] == .string(txidHex))

        // The compact text parses back to the same value.
        #expect(try JSONValue.parse(json.compactText) == json)
    }

    @Test func twoRelaysUseTheOutermostInterfaceIDAndInnermostClient() throws {
        let frame = try frame("relayed-07-information-request-reply-2hop")
        let json = frame.json
        #expect(json["message_in"]?["relayed_message"]?["type"] == "relay-forw")
        #expect(json["message_in"]?["relayed_message"]?["relayed_message"]?["type"] == "information-request")
        let chain = try #require(frame.messageIn?.relayChain)
        #expect(chain.count == 2)
        let outer = chain[0].options.lazy.compactMap { if case .interfaceID(let id) = $0 { id } else { nil } }.first
        #expect(json["interface_id"] == outer.map { .string(hexString($0)) })
        #expect(json["client_duid"] == frame.messageIn?.innermostMessage.clientDUID.map { .string(hexString($0.bytes)) })
        #expect(json["client_duid"] != nil)
    }

    @Test func directFrameHasNoRelayKeys() throws {
        let json = try frame("direct-01-solicit-advertise").json
        #expect(keys(json) == ["kafka_type", "server_name", "timestamp_in", "timestamp_out", "message_in", "message_out", "client_duid"])
        #expect(json["message_in"]?["type"] == "solicit")
        #expect(json["message_out"]?["type"] == "advertise")
        #expect(json["message_in"]?["transaction_id"] == json["message_out"]?["transaction_id"])
    }

    @Test func absentMessagesAreNull() throws {
        let none = try frame("no-messages").json
        #expect(keys(none) == ["kafka_type", "server_name", "timestamp_in", "timestamp_out", "message_in", "message_out"])
        #expect(none["message_in"]?.isNull == true)
        #expect(none["message_out"]?.isNull == true)
        let noIn = try frame("no-message-in").json
        #expect(noIn["message_in"]?.isNull == true)
        #expect(noIn["message_out"]?["type"] == "reply")
        #expect(noIn["client_duid"] != nil)  // from message-out, since message-in is absent
        let noAnswer = try frame("relayed-09-request-no-answer-remote-id").json
        #expect(noAnswer["message_out"]?.isNull == true)
        #expect(noAnswer["remote_id_enterprise_number"] == 4874)
    }

    @Test func everyFixtureFramesJSONParses() throws {
        for fixture in fixtureFrames("all") {
            let message = try KafkaMessageRegistry.standard.decodeFrame(fixture.bytes)
            let text = message.json.compactText
            #expect(!text.contains("\n"), "\(fixture.name): JSON Lines need one line per frame")
            #expect(try JSONValue.parse(text) == message.json, "\(fixture.name)")
        }
    }
}
