import DHCPKafkaTestSupport
import DHCPv6
import JSONValue
import Testing

/// Serialize-then-parse gives back the model, and parse-then-serialize gives back the bytes.
@Suite struct PropertyTests {
    @Test func randomValidMessagesRoundTrip() throws {
        var generator = MessageGenerator(seed: 0xD4C9_6001)
        var failures = 0
        for i in 0..<5000 {
            let message = generator.message()
            let bytes = message.serialized()
            let parsed: DHCPv6Message
            do {
                try DHCPv6Message.validate(bytes)
                parsed = try DHCPv6Message.parse(bytes)
            } catch {
                failures += 1
                if failures < 5 { Issue.record("message \(i) did not parse: \(error)\n\(hexString(bytes))") }
                continue
            }
            if parsed != message || parsed.serialized() != bytes {
                failures += 1
                if failures < 5 { Issue.record("message \(i) did not round-trip: \(hexString(bytes))") }
            }
            // JSON and summaries never crash and the JSON text is valid.
            if i % 10 == 0 {
                let text = parsed.json.compactText
                #expect((try? JSONValue.parse(text)) != nil)
                #expect(!parsed.summary.isEmpty)
            }
        }
        #expect(failures == 0)
    }

    @Test func relayChainsUpTo32LevelsParse() throws {
        var message = DHCPv6Message.clientServer(ClientServerMessage(
            type: .solicit, transactionID: 7, options: [.clientID(.ll(hardwareType: 1, linkLayerAddress: [1, 2, 3, 4, 5, 6]))]))
        for hop in 0..<32 {
            message = .relay(RelayMessage(
                type: .relayForward, hopCount: UInt8(hop), linkAddress: .unspecified, peerAddress: .unspecified,
                options: [.interfaceID([UInt8(hop)]), .relayMessage(message)]))
        }
        let bytes = message.serialized()
        let parsed = try DHCPv6Message.parse(bytes)
        #expect(parsed == message && parsed.serialized() == bytes)
        #expect(parsed.interfaceID == [31])
        #expect(parsed.clientDUID == .ll(hardwareType: 1, linkLayerAddress: [1, 2, 3, 4, 5, 6]))

        let tooDeep = DHCPv6Message.relay(RelayMessage(
            type: .relayForward, hopCount: 32, linkAddress: .unspecified, peerAddress: .unspecified, options: [.relayMessage(message)]))
        #expect(throws: DHCPv6Error.self) { try DHCPv6Message.parse(tooDeep.serialized()) }
        do {
            _ = try DHCPv6Message.parse(tooDeep.serialized())
        } catch {
            #expect(error.reason == "relay-msg nested deeper than 32")
            #expect(error.field == Array(repeating: "option 9 (relay-msg)", count: 33).joined(separator: ".") + ".message")
            #expect(error.offset == 38 + 32 * 43)  // outer relay, then 32 relays with a 5-byte interface-id each
        }
    }

    @Test func optionNestingIsBounded() {
        var option = DHCPv6Option.statusCode(StatusCode(code: 0))
        for _ in 0..<9 { option = .iaNA(IdentityAssociation(iaid: 1, t1: 2, t2: 3, options: [option])) }
        let bytes = DHCPv6Message.clientServer(ClientServerMessage(type: .reply, transactionID: 1, options: [option])).serialized()
        #expect(throws: DHCPv6Error.self) { try DHCPv6Message.parse(bytes) }
        do {
            _ = try DHCPv6Message.parse(bytes)
        } catch {
            #expect(error.reason == "options nested deeper than 8")
        }
    }
}
