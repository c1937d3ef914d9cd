import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Testing

/// ``DHCPKafkaMessage/locate(in:)`` (what the forwarder keys and stamps records with) agrees with
/// the full decoder: on the fixtures here, and on every random frame the fuzz tests decode.
@Suite struct LocatorTests {
    /// Why the located parts of `bytes` differ from the decoded `message`, or nil when they agree.
    static func disagreement(_ bytes: [UInt8], _ message: any KafkaMessage) -> String? {
        let layout = bytes.withUnsafeBytes { DHCPKafkaMessage.locate(in: $0) }
        guard let message = message as? DHCPKafkaMessage else {
            return layout == nil ? nil : "located a frame that is not a DHCPKafkaMessage"
        }
        guard let layout else { return "decodes, but the locator found nothing" }
        if Array(bytes[layout.serverName]) != Array(message.serverName.utf8) { return "server name differs" }
        if layout.timestampIn.bitPattern != message.timestampIn.bitPattern { return "timestamp-in differs" }
        if layout.clientDUID.map({ Array(bytes[$0]) }) != message.clientDUID?.bytes { return "client DUID differs" }
        if Array(bytes[layout.messageIn]) != (message.messageIn?.serialized() ?? []) { return "message-in differs" }
        if Array(bytes[layout.messageOut]) != (message.messageOut?.serialized() ?? []) { return "message-out differs" }
        return nil
    }

    @Test(arguments: fixtureFrames("all"))
    func fixtureFramesLocate(_ fixture: FixtureFrame) throws {
        let message = try KafkaMessageRegistry.standard.decodeFrame(fixture.bytes)
        #expect(Self.disagreement(fixture.bytes, message) == nil)
    }

    @Test func brokenFramesDoNotLocate() throws {
        let fixture = try #require(fixtureFrames("all").first { $0.bytes.first == 1 })
        let bytes = fixture.bytes
        #expect(bytes.withUnsafeBytes { DHCPKafkaMessage.locate(in: $0) } != nil)
        for cut in [0, 1, 2, bytes.count / 2, bytes.count - 1] {
            let prefix = Array(bytes.prefix(cut))
            #expect(prefix.withUnsafeBytes { DHCPKafkaMessage.locate(in: $0) } == nil, "cut at \(cut)")
        }
        let trailing = bytes + [0]
        #expect(trailing.withUnsafeBytes { DHCPKafkaMessage.locate(in: $0) } == nil)
    }
}
