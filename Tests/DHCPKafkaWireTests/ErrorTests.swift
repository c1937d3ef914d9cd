import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Testing

/// Every decoding error names its code, the field at fault and the absolute byte offset,
/// also when the frame sits inside a larger buffer.
@Suite struct ErrorTests {
    /// Decodes `frame` alone and at offset 7 inside junk, with both `decodeFrame` and `decodePrefix`,
    /// and checks the error each time (offsets shifted by 7 inside the buffer).
    func expectError(
        _ frame: [UInt8], _ code: KafkaWireError.Code, field: String, offset: Int, reason: String? = nil,
        prefixToo: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let registry = KafkaMessageRegistry.standard
        let alone = wireError { () throws(KafkaWireError) in try registry.decodeFrame(frame) }
        #expect(alone?.code == code, sourceLocation: sourceLocation)
        #expect(alone?.field == field, sourceLocation: sourceLocation)
        #expect(alone?.offset == offset, sourceLocation: sourceLocation)
        if let reason { #expect(alone?.reason == reason, sourceLocation: sourceLocation) }
        #expect(alone.map { $0.offset >= 0 && $0.offset <= frame.count } ?? false, sourceLocation: sourceLocation)
        // Validating without decoding (the daemon's path) throws the very same error.
        let validated = wireError { () throws(KafkaWireError) in try registry.validateFrame(frame) }
        #expect(validated == alone, sourceLocation: sourceLocation)

        // The same frame at offset 7, followed by junk that must never be read.
        let junkBefore: [UInt8] = [0x01, 0x03, 0x61, 0x62, 0x63, 0xFF, 0xFF]
        let buffer = junkBefore + frame + [0x00, 0x00, 0x00, 0x2a, 0xEE]
        let inside = wireError { () throws(KafkaWireError) in
            try registry.decodeFrame(buffer, offset: 7, length: frame.count)
        }
        #expect(inside?.code == code, sourceLocation: sourceLocation)
        #expect(inside?.field == field, sourceLocation: sourceLocation)
        #expect(inside?.offset == offset + 7, "offsets must stay absolute", sourceLocation: sourceLocation)
        let validatedInside = wireError { () throws(KafkaWireError) in
            try registry.validateFrame(buffer, offset: 7, length: frame.count)
        }
        #expect(validatedInside == inside, sourceLocation: sourceLocation)
        if reason != nil, let alone { #expect(inside?.reason == alone.reason, sourceLocation: sourceLocation) }
        if prefixToo {
            let prefix = wireError { () throws(KafkaWireError) in
                try registry.decodePrefix(buffer, offset: 7, end: 7 + frame.count)
            }
            #expect(prefix == inside, sourceLocation: sourceLocation)
        }
    }

    @Test func empty() {
        expectError([], .empty, field: "msg-type", offset: 0, reason: "the frame is empty")
        #expect(wireError { () throws(KafkaWireError) in try KafkaMessageRegistry.standard.decodePrefix([]) }?.code == .empty)
        #expect(
            wireError { () throws(KafkaWireError) in
                try KafkaMessageRegistry.standard.decodePrefix([1, 2, 3], offset: 3)
            } == KafkaWireError(.empty, field: "msg-type", offset: 3, reason: "the frame is empty"))
    }

    @Test func truncatedInEveryFixedField() {
        let frame = SmallFrame.bytes()
        expectError(Array(frame.prefix(1)), .truncated, field: "name-len", offset: 1, reason: "needs 1 byte, 0 left")
        for cut in 5..<13 {
            expectError(
                Array(frame.prefix(cut)), .truncated, field: "timestamp-in", offset: 5,
                reason: "needs 8 bytes, \(cut - 5) left")
        }
        for cut in 13..<15 {
            expectError(
                Array(frame.prefix(cut)), .truncated, field: "len-in", offset: 13, reason: "needs 2 bytes, \(cut - 13) left")
        }
        for cut in 25..<33 {
            expectError(
                Array(frame.prefix(cut)), .truncated, field: "timestamp-out", offset: 25,
                reason: "needs 8 bytes, \(cut - 25) left")
        }
        for cut in 33..<35 {
            expectError(
                Array(frame.prefix(cut)), .truncated, field: "len-out", offset: 33, reason: "needs 2 bytes, \(cut - 33) left")
        }
    }

    /// Variable-length fields cut short: their length field points past the end.
    @Test func truncatedInLengthDelimitedFields() {
        let frame = SmallFrame.bytes()
        for cut in 2..<5 {  // inside server-name
            expectError(
                Array(frame.prefix(cut)), .lengthPastEnd, field: "name-len", offset: 1,
                reason: "server-name length 3 runs past the end of the frame (\(cut - 2) byte\(cut == 3 ? "" : "s") left)")
        }
        for cut in 15..<25 {  // inside message-in
            expectError(Array(frame.prefix(cut)), .lengthPastEnd, field: "len-in", offset: 13)
        }
        for cut in 35..<44 {  // inside message-out
            expectError(Array(frame.prefix(cut)), .lengthPastEnd, field: "len-out", offset: 33)
        }
    }

    @Test func lengthPastEnd() {
        expectError(
            SmallFrame.bytes(nameLength: 43), .lengthPastEnd, field: "name-len", offset: 1,
            reason: "server-name length 43 runs past the end of the frame (42 bytes left)")
        expectError(SmallFrame.bytes(nameLength: 255), .lengthPastEnd, field: "name-len", offset: 1)
        expectError(
            SmallFrame.bytes(lengthIn: 0xFFFF), .lengthPastEnd, field: "len-in", offset: 13,
            reason: "message-in length 65535 runs past the end of the frame (29 bytes left)")
        expectError(
            SmallFrame.bytes(lengthOut: 10), .lengthPastEnd, field: "len-out", offset: 33,
            reason: "message-out length 10 runs past the end of the frame (9 bytes left)")
    }

    @Test func lengthsThatShiftTheFrame() {
        // name-len one short: the name swallows less, so everything after is misread.
        let short = SmallFrame.bytes(nameLength: 2)
        #expect(wireError { () throws(KafkaWireError) in try KafkaMessageRegistry.standard.decodeFrame(short) } != nil)
        // len-in one short: message-in loses its last byte, which the DHCPv6 parser reports.
        expectError(SmallFrame.bytes(lengthIn: 9), .invalidDHCPv6, field: "message-in.option 8 (elapsed-time).option-len", offset: 21)
        // len-out one short: the last byte is left over.
        expectError(SmallFrame.bytes(lengthOut: 8), .invalidDHCPv6, field: "message-out.option 7 (preference).option-len", offset: 41)
    }

    @Test func invalidUTF8PointsAtTheFirstBadByte() {
        let cases: [(name: [UInt8], offset: Int)] = [
            ([0xFF], 2),
            ([0x61, 0xFF, 0x63], 3),
            ([0x61, 0x62, 0xC3], 4),  // a sequence cut off by the end of the name
            ([0x61, 0xC3, 0x28], 3),  // a lead byte without its continuation
            ([0xC3, 0xBC, 0x80], 4),  // ü then a stray continuation byte
            ([0xC0, 0xAF], 2),  // overlong '/'
            ([0x61, 0xED, 0xA0, 0x80], 3),  // a UTF-16 surrogate
            ([0xF4, 0x90, 0x80, 0x80], 2),  // beyond U+10FFFF
            (Array("dhcp-zürich".utf8) + [0xE2, 0x9C], 14),
        ]
        for (name, offset) in cases {
            expectError(
                SmallFrame.bytes(name: name), .invalidUTF8, field: "server-name", offset: offset,
                reason: "server-name is not valid UTF-8")
        }
    }

    @Test func trailingBytes() {
        expectError(
            SmallFrame.bytes() + [0x00], .trailingBytes, field: "frame", offset: 44,
            reason: "1 unexpected byte after message-out", prefixToo: false)
        expectError(SmallFrame.bytes() + SmallFrame.bytes(), .trailingBytes, field: "frame", offset: 44, prefixToo: false)
        // decodePrefix accepts the same bytes and says how much it used.
        let two = SmallFrame.bytes() + SmallFrame.bytes(name: [])
        let (first, consumed) = try! KafkaMessageRegistry.standard.decodePrefix(two)
        #expect((first as? DHCPKafkaMessage)?.serverName == "abc")
        #expect(consumed == 44)
        let (second, rest) = try! KafkaMessageRegistry.standard.decodePrefix(two, offset: consumed)
        #expect((second as? DHCPKafkaMessage)?.serverName == "")
        #expect(consumed + rest == two.count)
    }

    @Test func invalidDHCPv6IsPrefixedAndAbsolute() throws {
        // message-in: the elapsed-time option claims 4 bytes, 2 are left (option-len at 4 inside the message).
        let badIn = hexBytes("01 abcdef 0008 0004 0000")
        expectError(
            SmallFrame.bytes(messageIn: badIn), .invalidDHCPv6, field: "message-in.option 8 (elapsed-time).option-len",
            offset: 15 + 6, reason: "length 4 runs past the end: 2 bytes left")
        // message-out: preference must be exactly 1 byte.
        let badOut = hexBytes("02 abcdef 0007 0002 ffff")
        expectError(
            SmallFrame.bytes(messageOut: badOut), .invalidDHCPv6, field: "message-out.option 7 (preference).option-len",
            offset: 35 + 6, reason: "must be 1, got 2")
        // A message too short for its header.
        expectError(
            SmallFrame.bytes(messageIn: [0x01, 0xab]), .invalidDHCPv6, field: "message-in.transaction-id", offset: 16,
            reason: "needs 3 bytes, 1 left")
        // The DHCPv6 parser's own error is kept, with the same absolute offset.
        let error = try #require(
            wireError { () throws(KafkaWireError) in
                try KafkaMessageRegistry.standard.decodeFrame(SmallFrame.bytes(messageIn: badIn))
            })
        #expect(error.dhcpv6 == DHCPv6Error(field: "option 8 (elapsed-time).option-len", offset: 21, reason: "length 4 runs past the end: 2 bytes left"))
        #expect(error.description == "message-in.option 8 (elapsed-time).option-len at byte 21: length 4 runs past the end: 2 bytes left")
    }

    @Test func wrongType() throws {
        let frame = SmallFrame.bytes(type: 2)
        let error = wireError { () throws(KafkaWireError) in try DHCPKafkaMessage.decode(frame, offset: 0, end: frame.count) }
        #expect(error?.code == .wrongType)
        #expect(error?.field == "msg-type")
        #expect(error?.offset == 0)
        let buffer = [0xEE, 0xEE, 0xEE] + frame
        let inside = wireError { () throws(KafkaWireError) in
            try DHCPKafkaMessage.decode(buffer, offset: 3, end: buffer.count)
        }
        #expect(inside == KafkaWireError(.wrongType, field: "msg-type", offset: 3, reason: "expected DHCPKafkaMessage (type 1), found type 2"))
        // Through the registry, type 2 is simply unknown.
        #expect(try KafkaMessageRegistry.standard.decodeFrame(frame) is UnknownKafkaMessage)
    }

    @Test func decodeFrameRangeOutsideTheBuffer() {
        let frame = SmallFrame.bytes()
        let error = wireError { () throws(KafkaWireError) in
            try KafkaMessageRegistry.standard.decodeFrame(frame, offset: 10, length: 40)
        }
        #expect(error?.code == .truncated)
        #expect(error?.field == "frame")
        #expect(error?.offset == frame.count)
        // A type-1 frame whose range is limited by `end` ignores the bytes after it.
        let (message, consumed) = try! KafkaMessageRegistry.standard.decodePrefix(frame + [1, 2, 3], end: 44)
        #expect(message is DHCPKafkaMessage)
        #expect(consumed == 44)
    }
}
