import DHCPv6

extension DHCPKafkaMessage {
    /// Where a type-1 frame's parts are, found without decoding the frame or allocating.
    public struct Layout: Hashable, Sendable {
        /// The server name's UTF-8 bytes.
        public var serverName: Range<Int>
        /// When the server received message-in, in seconds since the epoch.
        public var timestampIn: Double
        /// message-in (empty when absent).
        public var messageIn: Range<Int>
        /// message-out (empty when absent).
        public var messageOut: Range<Int>
        /// The client DUID's wire bytes (what ``DHCPKafkaMessage/clientDUID`` serializes to), if any.
        public var clientDUID: Range<Int>?
    }

    /// Locates the parts of the type-1 frame filling `bytes`: nil when it is not one, or when its
    /// layout is broken where ``KafkaMessageRegistry/decodeFrame(_:offset:length:)`` would reject it
    /// (lengths, trailing bytes, server-name UTF-8, the DHCPv6 structure on the way to the client-id;
    /// see ``DHCPv6/DHCPv6Message/clientIDRange(in:offset:length:)``).
    public static func locate(in bytes: UnsafeRawBufferPointer) -> Layout? {
        let end = bytes.count
        guard end >= 2, bytes[0] == registeredType else { return nil }
        let nameEnd = 2 + Int(bytes[1])
        guard nameEnd <= end else { return nil }
        let serverName = 2..<nameEnd
        guard isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[serverName])) else { return nil }
        guard end - nameEnd >= 10 else { return nil }
        let timestampIn = readDouble(bytes, nameEnd)
        let inLength = Int(bytes[nameEnd + 8]) << 8 | Int(bytes[nameEnd + 9])
        let inStart = nameEnd + 10
        guard inLength <= end - inStart, end - inStart - inLength >= 10 else { return nil }
        let messageIn = inStart..<(inStart + inLength)
        let outLengthAt = messageIn.upperBound + 8
        let outLength = Int(bytes[outLengthAt]) << 8 | Int(bytes[outLengthAt + 1])
        let outStart = outLengthAt + 2
        guard outStart + outLength == end else { return nil }  // runs past the end, or trailing bytes
        let messageOut = outStart..<end
        var clientDUID: Range<Int>?
        do {
            if inLength > 0 {
                clientDUID = try DHCPv6Message.clientIDRange(in: bytes, offset: inStart, length: inLength)
            }
            if outLength > 0 {
                let out = try DHCPv6Message.clientIDRange(in: bytes, offset: outStart, length: outLength)
                if clientDUID == nil { clientDUID = out }
            }
        } catch {
            return nil
        }
        return Layout(
            serverName: serverName, timestampIn: timestampIn, messageIn: messageIn, messageOut: messageOut,
            clientDUID: clientDUID)
    }

    private static func readDouble(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Double {
        var bits: UInt64 = 0
        for i in 0..<8 { bits = bits << 8 | UInt64(bytes[at + i]) }
        return Double(bitPattern: bits)
    }

    private static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }  // ASCII, the usual case
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
