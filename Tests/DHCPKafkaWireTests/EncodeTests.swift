import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Testing

/// The encoder refuses what the format cannot hold, and then leaves the buffer as it was.
@Suite struct EncodeTests {
    let solicit = try! DHCPv6Message.parse(SmallFrame.messageIn)

    func encodeError(_ frame: DHCPKafkaMessage, into buffer: inout [UInt8]) -> KafkaWireError? {
        do {
            try frame.encode(into: &buffer)
            return nil
        } catch {
            return error
        }
    }

    @Test func serverNameOf255BytesFits() throws {
        for name in [String(repeating: "a", count: 255), "x" + String(repeating: "ü", count: 127)] {
            #expect(name.utf8.count == 255)
            let frame = DHCPKafkaMessage(serverName: name, timestampIn: 1, messageIn: solicit, timestampOut: 2, messageOut: nil)
            let bytes = try frame.encoded()
            #expect(bytes[1] == 255)
            #expect(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage == frame)
        }
    }

    @Test func serverNameOf256BytesIsRefused() {
        let prefilled: [UInt8] = [0xAA, 0xBB, 0xCC]
        for name in [String(repeating: "a", count: 256), String(repeating: "ü", count: 128), String(repeating: "東", count: 200)] {
            var buffer = prefilled
            let frame = DHCPKafkaMessage(serverName: name, timestampIn: 1, messageIn: solicit, timestampOut: 2, messageOut: solicit)
            let error = encodeError(frame, into: &buffer)
            #expect(error?.code == .serverNameTooLong)
            #expect(error?.code.rawValue == "server-name-too-long")
            #expect(error?.field == "server-name")
            #expect(error?.offset == 1)
            #expect(error?.reason == "server name is \(name.utf8.count) bytes of UTF-8; at most 255 fit")
            #expect(buffer == prefilled, "the buffer is left unchanged")
        }
    }

    /// A message of exactly 65535 bytes fits; one byte more is refused, in either position.
    @Test func messageLengthLimit() throws {
        let largest = DHCPv6Message.unknown(type: 200, data: [UInt8](repeating: 0x5A, count: 65_534))
        let tooLarge = DHCPv6Message.unknown(type: 200, data: [UInt8](repeating: 0x5A, count: 65_535))
        #expect(largest.serialized().count == 65_535)

        let fits = DHCPKafkaMessage(serverName: "abc", timestampIn: 1, messageIn: largest, timestampOut: 2, messageOut: largest)
        let bytes = try fits.encoded()
        #expect(bytes.count == 1 + 1 + 3 + 2 * (8 + 2 + 65_535))
        #expect(Array(bytes[13..<15]) == [0xFF, 0xFF])
        #expect(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage == fits)

        let prefilled: [UInt8] = [0x01, 0x02]
        var buffer = prefilled
        let inError = encodeError(
            DHCPKafkaMessage(serverName: "abc", timestampIn: 1, messageIn: tooLarge, timestampOut: 2, messageOut: nil),
            into: &buffer)
        #expect(inError?.code == .messageTooLong)
        #expect(inError?.code.rawValue == "message-too-long")
        #expect(inError?.field == "message-in")
        #expect(inError?.offset == 13, "len-in's offset in the frame being built")
        #expect(inError?.reason == "message-in is 65536 bytes; at most 65535 fit")
        #expect(buffer == prefilled, "the buffer is left unchanged")

        buffer = prefilled
        let outError = encodeError(
            DHCPKafkaMessage(serverName: "abc", timestampIn: 1, messageIn: solicit, timestampOut: 2, messageOut: tooLarge),
            into: &buffer)
        #expect(outError?.code == .messageTooLong)
        #expect(outError?.field == "message-out")
        #expect(outError?.offset == 33, "len-out's offset in the frame being built")
        #expect(buffer == prefilled, "the buffer is left unchanged")
    }

    @Test func encodeAppendsToWhatIsThere() throws {
        let frame = DHCPKafkaMessage(serverName: "abc", timestampIn: SmallFrame.timestampIn, messageIn: solicit,
                                     timestampOut: SmallFrame.timestampOut, messageOut: try DHCPv6Message.parse(SmallFrame.messageOut))
        var buffer: [UInt8] = [0xEE]
        try frame.encode(into: &buffer)
        try UnknownKafkaMessage(messageType: 7, data: [1, 2]).encode(into: &buffer)
        #expect(buffer == [0xEE] + SmallFrame.bytes() + [7, 1, 2])
    }
}
