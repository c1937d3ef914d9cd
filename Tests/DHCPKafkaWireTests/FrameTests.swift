import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import JSONValue
import Testing

/// Decoding the fixture frames (encoded by dhcpkit-kafka 1.0.0) and hand-built frames, field by field.
@Suite struct FrameTests {
    @Test(arguments: fixtureFrames("all"))
    func fixtureFrameDecodesAndReencodes(_ fixture: FixtureFrame) throws {
        let message = try KafkaMessageRegistry.standard.decodeFrame(fixture.bytes)
        #expect(try message.encoded() == fixture.bytes)
        // decodePrefix agrees and uses the whole frame.
        let (prefix, consumed) = try KafkaMessageRegistry.standard.decodePrefix(fixture.bytes)
        #expect(consumed == fixture.bytes.count)
        #expect(try prefix.encoded() == fixture.bytes)
        if fixture.name == "unknown-type-7" {
            let unknown = try #require(message as? UnknownKafkaMessage)
            #expect(unknown.messageType == 7)
            #expect(unknown.data == Array("\u{0}*future kafka message type \u{2713}".utf8))
        } else {
            let frame = try #require(message as? DHCPKafkaMessage)
            #expect(frame.messageType == 1)
            // The type-1 decoder agrees with the registry.
            let (direct, used) = try DHCPKafkaMessage.decode(fixture.bytes, offset: 0, end: fixture.bytes.count)
            #expect(direct == frame)
            #expect(used == fixture.bytes.count)
        }
    }

    @Test func fixtureGroupsMatchTheREADME() {
        #expect(fixtureFrames("direct").count == 7)
        #expect(fixtureFrames("relayed").count == 9)
        #expect(fixtureFrames("server-names").count == 5)
        #expect(fixtureFrames("edge-cases").count == 5)
        let all = fixtureFrames("all")
        #expect(all.count == 26)
        let groups = ["direct", "relayed", "server-names", "edge-cases"].flatMap(fixtureFrames)
        #expect(groups.map(\.bytes) == all.map(\.bytes))
    }

    @Test func fixtureFieldValues() throws {
        let solicit = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("direct-01-solicit-advertise")) as? DHCPKafkaMessage)
        #expect(solicit.serverName == "kea01.example.net")
        #expect(solicit.messageIn?.messageType == .solicit)
        #expect(solicit.messageOut?.messageType == .advertise)
        #expect(solicit.timestampIn > 1_795_555_000 && solicit.timestampIn < 1_795_556_000)
        #expect(solicit.timestampOut >= solicit.timestampIn)

        let zurich = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("zurich-direct-01-solicit-advertise"))
                as? DHCPKafkaMessage)
        #expect(zurich.serverName == "dhcp-zürich-01.example.net")
        #expect(zurich.messageIn == solicit.messageIn)

        let empty = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(
                fixtureFrame("empty-server-name-direct-05-information-request-reply")) as? DHCPKafkaMessage)
        #expect(empty.serverName == "")

        let long = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("long-server-name-direct-03-renew-reply"))
                as? DHCPKafkaMessage)
        #expect(long.serverName.utf8.count == 255)
        #expect(long.serverName.hasPrefix("dhcp-üü") && long.serverName.hasSuffix(".example.net"))

        let noIn = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("no-message-in")) as? DHCPKafkaMessage)
        #expect(noIn.messageIn == nil)
        #expect(noIn.messageOut?.messageType == .reply)
        #expect(noIn.latency == nil)

        let none = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("no-messages")) as? DHCPKafkaMessage)
        #expect(none.messageIn == nil && none.messageOut == nil)
        #expect(none.clientDUID == nil && none.interfaceID == nil && none.remoteID == nil)

        let noAnswer = try #require(
            try KafkaMessageRegistry.standard.decodeFrame(fixtureFrame("relayed-09-request-no-answer-remote-id"))
                as? DHCPKafkaMessage)
        #expect(noAnswer.messageIn?.messageType == .relayForward)
        #expect(noAnswer.messageOut == nil)
    }

    // MARK: - Hand-built frames

    @Test func handBuiltFrameMatchesTheLayoutByteByByte() throws {
        let messageIn = try DHCPv6Message.parse(SmallFrame.messageIn)
        let messageOut = try DHCPv6Message.parse(SmallFrame.messageOut)
        let frame = DHCPKafkaMessage(
            serverName: "abc", timestampIn: SmallFrame.timestampIn, messageIn: messageIn,
            timestampOut: SmallFrame.timestampOut, messageOut: messageOut)
        let bytes = try frame.encoded()
        #expect(bytes.count == SmallFrame.count)
        #expect(bytes == SmallFrame.bytes())
        // Field by field, at the offsets of the documented layout.
        #expect(bytes[0] == 1)
        #expect(bytes[1] == 3)
        #expect(Array(bytes[2..<5]) == Array("abc".utf8))
        #expect(Array(bytes[5..<13]) == bigEndian(SmallFrame.timestampIn))
        #expect(Array(bytes[5..<13]) == hexBytes("41dac17fb62c8783"))  // the same double as in relayed-01
        #expect(Array(bytes[13..<15]) == [0x00, 0x0a])
        #expect(Array(bytes[15..<25]) == SmallFrame.messageIn)
        #expect(Array(bytes[25..<33]) == bigEndian(SmallFrame.timestampOut))
        #expect(Array(bytes[33..<35]) == [0x00, 0x09])
        #expect(Array(bytes[35..<44]) == SmallFrame.messageOut)

        let decoded = try #require(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage)
        #expect(decoded == frame)
        #expect(decoded.timestampIn.bitPattern == SmallFrame.timestampIn.bitPattern)
    }

    @Test func absentMessagesHaveLengthZero() throws {
        for (messageIn, messageOut) in [(true, false), (false, true), (false, false)] {
            let frame = DHCPKafkaMessage(
                serverName: "", timestampIn: 1.5,
                messageIn: messageIn ? try DHCPv6Message.parse(SmallFrame.messageIn) : nil,
                timestampOut: -0.0,
                messageOut: messageOut ? try DHCPv6Message.parse(SmallFrame.messageOut) : nil)
            let bytes = try frame.encoded()
            var expected: [UInt8] = [1, 0] + bigEndian(1.5)
            expected += messageIn ? [0, 10] + SmallFrame.messageIn : [0, 0]
            expected += bigEndian(-0.0)
            expected += messageOut ? [0, 9] + SmallFrame.messageOut : [0, 0]
            #expect(bytes == expected)
            let decoded = try #require(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage)
            #expect(decoded == frame)
            #expect(decoded.timestampOut.sign == .minus)  // the bit pattern survives
            #expect(try decoded.encoded() == bytes)
        }
        // The smallest type-1 frame: no name, no messages.
        let smallest: [UInt8] = [1, 0] + [UInt8](repeating: 0, count: 8) + [0, 0] + [UInt8](repeating: 0, count: 8) + [0, 0]
        let decoded = try #require(try KafkaMessageRegistry.standard.decodeFrame(smallest) as? DHCPKafkaMessage)
        #expect(decoded == DHCPKafkaMessage(serverName: "", timestampIn: 0, messageIn: nil, timestampOut: 0, messageOut: nil))
    }

    @Test func unusualTimestampsRoundTrip() throws {
        for value in [Double.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -1, 0, .leastNonzeroMagnitude] {
            var bytes = SmallFrame.bytes()
            bytes.replaceSubrange(5..<13, with: bigEndian(value))
            let frame = try #require(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage)
            #expect(frame.timestampIn.bitPattern == value.bitPattern)
            #expect(try frame.encoded() == bytes)
            // JSON has no NaN or infinity: the text must still parse.
            #expect(throws: Never.self) { try JSONValue.parse(frame.json.compactText) }
            _ = frame.summary
        }
    }

    // MARK: - Unknown types and the registry

    @Test(arguments: [UInt8(0), 2, 7, 255])
    func unknownTypesRoundTrip(_ type: UInt8) throws {
        for data in [[], [0], Array("some opaque data \u{1F600}".utf8), [UInt8](repeating: 0xFF, count: 70_000)] {
            let bytes = [type] + data
            let message = try KafkaMessageRegistry.standard.decodeFrame(bytes)
            let unknown = try #require(message as? UnknownKafkaMessage)
            #expect(unknown == UnknownKafkaMessage(messageType: type, data: data))
            #expect(try unknown.encoded() == bytes)
            // Unknown frames are not self-delimiting: they use everything up to the end.
            let (_, consumed) = try KafkaMessageRegistry.standard.decodePrefix(bytes + [1, 2, 3])
            #expect(consumed == bytes.count + 3)
        }
        let json = UnknownKafkaMessage(messageType: type, data: [0x00, 0x2a, 0xff]).json
        #expect(json == .object([("kafka_type", .int(Int64(type))), ("data", "002aff")]))
    }

    @Test func emptyRegistryDecodesEverythingAsUnknown() throws {
        let registry = KafkaMessageRegistry()
        #expect(!registry.isRegistered(1))
        #expect(KafkaMessageRegistry.standard.isRegistered(1))
        #expect(!KafkaMessageRegistry.standard.isRegistered(0))
        let bytes = SmallFrame.bytes()
        let unknown = try #require(try registry.decodeFrame(bytes) as? UnknownKafkaMessage)
        #expect(unknown.messageType == 1)
        #expect(unknown.data == Array(bytes.dropFirst()))
    }

    @Test func customRegisteredType() throws {
        let registry = KafkaMessageRegistry.standard.registering(GapRecord.self)
        #expect(registry.isRegistered(GapRecord.registeredType))
        #expect(!KafkaMessageRegistry.standard.isRegistered(GapRecord.registeredType))  // the original is unchanged

        let bytes: [UInt8] = [0x09, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x00, 0x00, 0x05]
        let gap = try #require(try registry.decodeFrame(bytes) as? GapRecord)
        #expect(gap == GapRecord(first: 300, count: 5))
        #expect(try gap.encoded() == bytes)
        // Types without their own validate are validated by decoding (the protocol's default).
        #expect(throws: Never.self) { try registry.validateFrame(bytes) }
        #expect(throws: KafkaWireError.self) { try registry.validateFrame(Array(bytes.dropLast())) }
        #expect(gap.json["kafka_type"] == 9)

        // Without the registration the same bytes are an unknown type, kept as is.
        let unknown = try #require(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? UnknownKafkaMessage)
        #expect(unknown == UnknownKafkaMessage(messageType: 9, data: Array(bytes.dropFirst())))

        // Type 1 still decodes with the extended registry.
        #expect(try registry.decodeFrame(SmallFrame.bytes()) is DHCPKafkaMessage)

        // A self-delimiting custom type inside a larger buffer: prefix, then trailing bytes.
        let buffer: [UInt8] = [0xEE, 0xEE] + bytes + [0xAB]
        let (prefix, consumed) = try registry.decodePrefix(buffer, offset: 2)
        #expect(prefix as? GapRecord == gap)
        #expect(consumed == 9)
        let trailing = wireError { () throws(KafkaWireError) in try registry.decodeFrame(buffer, offset: 2) }
        #expect(trailing?.code == .trailingBytes)
        #expect(trailing?.field == "frame")
        #expect(trailing?.offset == 11)
        #expect(trailing?.reason == "1 unexpected byte after the message")
        // The custom decoder's own errors come through with its field and absolute offset.
        let short = wireError { () throws(KafkaWireError) in try registry.decodeFrame(buffer, offset: 2, length: 5) }
        #expect(short == KafkaWireError(.truncated, field: "gap.count", offset: 7, reason: "needs 4 bytes, 0 left"))
    }
}

/// A made-up frame type for the registry tests: `u8 type=9 | u32 first | u32 count`.
struct GapRecord: RegisteredKafkaMessage, Equatable {
    static let registeredType: UInt8 = 9
    var messageType: UInt8 { Self.registeredType }
    var first: UInt32
    var count: UInt32

    static func decode(_ bytes: [UInt8], offset: Int, end: Int) throws(KafkaWireError) -> (GapRecord, consumed: Int) {
        func u32(at position: Int, _ field: String) throws(KafkaWireError) -> UInt32 {
            guard end - position >= 4 else {
                throw KafkaWireError(.truncated, field: field, offset: position, reason: "needs 4 bytes, \(end - position) left")
            }
            return bytes[position..<(position + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let first = try u32(at: offset + 1, "gap.first")
        let count = try u32(at: offset + 5, "gap.count")
        return (GapRecord(first: first, count: count), 9)
    }

    func encode(into buffer: inout [UInt8]) throws(KafkaWireError) {
        buffer.append(Self.registeredType)
        for value in [first, count] {
            for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
    }

    var json: JSONValue { .object([("kafka_type", 9), ("first", .int(Int64(first))), ("count", .int(Int64(count)))]) }
    var summary: String { "gap \(first)+\(count)" }
}
