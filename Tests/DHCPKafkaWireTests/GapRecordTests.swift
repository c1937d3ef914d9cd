import DHCPKafkaTestSupport
import DHCPKafkaWire
import JSONValue
import Testing

@Suite struct GapRecordTests {
    let gap = GapKafkaMessage(
        serverName: "relay-zürich-01", spoolIdentity: (0..<16).map { UInt8($0 * 17) }, firstSequence: 41,
        lastSequence: 1_000_041, frames: 1_000_001, bytes: 480_000_480, timestamp: 1_795_555_000.25)

    @Test func roundTripsAndHasTheDocumentedLayout() throws {
        let bytes = try gap.encoded()
        let name = Array("relay-zürich-01".utf8)
        #expect(bytes.count == 1 + 1 + name.count + 16 + 4 * 8 + 8)
        #expect(bytes[0] == 200 && Int(bytes[1]) == name.count && Array(bytes[2..<(2 + name.count)]) == name)
        #expect(Array(bytes[(2 + name.count)..<(18 + name.count)]) == gap.spoolIdentity)
        #expect(Array(bytes[(18 + name.count)..<(26 + name.count)]) == [0, 0, 0, 0, 0, 0, 0, 41])
        let decoded = try #require(try KafkaMessageRegistry.dhcpKafka.decodeFrame(bytes) as? GapKafkaMessage)
        #expect(decoded == gap)
        #expect(decoded.spoolIdentityText == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(decoded.json["first_sequence"] == .uint(41) && decoded.json["type"] == "gap")
    }

    @Test func dhcpkitKafkaConsumersSeeAnUnknownMessage() throws {
        let bytes = try gap.encoded()
        let seen = try KafkaMessageRegistry.standard.decodeFrame(bytes)
        #expect(seen is UnknownKafkaMessage && seen.messageType == 200)
        #expect(try seen.encoded() == bytes)
    }

    @Test func truncatedAndInvalidRecordsFailWithFieldAndOffset() throws {
        let bytes = try gap.encoded()
        for cut in [1, 5, 20, 40, bytes.count - 1] {
            #expect(throws: KafkaWireError.self) { try KafkaMessageRegistry.dhcpKafka.decodeFrame(Array(bytes.prefix(cut))) }
        }
        var badName = bytes
        badName[3] = 0xFF
        do {
            _ = try KafkaMessageRegistry.dhcpKafka.decodeFrame(badName)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.code == .invalidUTF8 && error.field == "server-name")
        }
        var wrongIdentity = gap
        wrongIdentity.spoolIdentity = [1, 2, 3]
        #expect(throws: KafkaWireError.self) { try wrongIdentity.encoded() }
    }
}
