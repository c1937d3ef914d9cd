import DHCPv6
import JSONValue

/// One DHCPv6 transaction as dhcpkit-kafka 1.0.0 publishes it (Kafka message type 1).
///
/// Layout, all integers big-endian:
/// `u8 type=1 | u8 name-len | server-name | f64 timestamp-in | u16 len-in | message-in | f64 timestamp-out | u16 len-out | message-out`.
/// A length of 0 means the message is absent. Timestamps are seconds since the epoch.
public struct DHCPKafkaMessage: RegisteredKafkaMessage, Hashable {
    /// The type byte of this format.
    public static let registeredType: UInt8 = 1
    /// Always 1.
    public var messageType: UInt8 { Self.registeredType }

    /// The DHCPv6 server that handled the transaction (at most 255 bytes of UTF-8).
    public var serverName: String
    /// When the server received `messageIn`, in seconds since the epoch.
    public var timestampIn: Double
    /// What the server received, or `nil`.
    public var messageIn: DHCPv6Message?
    /// When the server sent `messageOut`, in seconds since the epoch.
    public var timestampOut: Double
    /// What the server answered, or `nil` when it did not answer.
    public var messageOut: DHCPv6Message?

    /// Makes a frame.
    public init(
        serverName: String, timestampIn: Double, messageIn: DHCPv6Message?,
        timestampOut: Double, messageOut: DHCPv6Message?
    ) {
        self.serverName = serverName
        self.timestampIn = timestampIn
        self.messageIn = messageIn
        self.timestampOut = timestampOut
        self.messageOut = messageOut
    }

    /// Decodes a type-1 frame starting at `offset`; it must end no later than `end`.
    public static func decode(_ bytes: [UInt8], offset: Int, end: Int) throws(KafkaWireError) -> (Self, consumed: Int) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(KafkaWireError) in
            let (message, consumed) = try walk(buffer, offset: offset, end: end, building: true)
            guard let message else { preconditionFailure("walk(building: true) returns a message or throws") }
            return (message, consumed)
        }
    }

    /// Checks a type-1 frame starting at `offset` without building it (nor its DHCPv6 messages):
    /// the same code as ``decode(_:offset:end:)`` with nothing kept, so it throws exactly what
    /// `decode` throws. Returns the bytes the frame uses.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, end: Int) throws(KafkaWireError) -> Int {
        try walk(bytes, offset: offset, end: end, building: false).consumed
    }

    /// The grammar of a type-1 frame, once: decodes (`building`) or only checks it.
    @inline(__always)
    private static func walk(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, end: Int, building: Bool)
        throws(KafkaWireError) -> (Self?, consumed: Int)
    {
        var reader = FrameReader(bytes: bytes, position: offset, end: end)
        let type = try reader.u8("msg-type")
        guard type == registeredType else {
            throw KafkaWireError(
                .wrongType, field: "msg-type", offset: offset,
                reason: "expected DHCPKafkaMessage (type 1), found type \(type)")
        }
        let nameLengthOffset = reader.position
        let nameLength = Int(try reader.u8("name-len"))
        let nameStart = try reader.span(nameLength, "server-name", lengthField: "name-len", lengthOffset: nameLengthOffset)
        let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<(nameStart + nameLength)])
        try checkUTF8(name, at: nameStart)
        let timestampIn = try reader.f64("timestamp-in")
        let messageIn = try readMessage(&reader, lengthField: "len-in", field: "message-in", building: building)
        let timestampOut = try reader.f64("timestamp-out")
        let messageOut = try readMessage(&reader, lengthField: "len-out", field: "message-out", building: building)
        let consumed = reader.position - offset
        guard building else { return (nil, consumed) }
        let message = DHCPKafkaMessage(
            serverName: String(decoding: name, as: UTF8.self), timestampIn: timestampIn, messageIn: messageIn,
            timestampOut: timestampOut, messageOut: messageOut)
        return (message, consumed)
    }

    @inline(__always)
    private static func readMessage(_ reader: inout FrameReader, lengthField: String, field: String, building: Bool)
        throws(KafkaWireError) -> DHCPv6Message?
    {
        let lengthOffset = reader.position
        let length = Int(try reader.u16(lengthField))
        let start = try reader.span(length, field, lengthField: lengthField, lengthOffset: lengthOffset)
        guard length > 0 else { return nil }
        do {
            if building { return try DHCPv6Message.parse(reader.bytes, offset: start, length: length) }
            try DHCPv6Message.validate(reader.bytes, offset: start, length: length)
            return nil
        } catch {
            throw KafkaWireError(
                .invalidDHCPv6, field: "\(field).\(error.field)", offset: error.offset,
                reason: error.reason, dhcpv6: error)
        }
    }

    /// Throws unless the server name (at absolute offset `start`) is valid UTF-8, naming the first bad byte.
    @inline(__always)
    static func checkUTF8(_ name: UnsafeBufferPointer<UInt8>, at start: Int) throws(KafkaWireError) {
        // Nearly all names are ASCII; only others need the scalar-by-scalar check.
        var ascii = true
        for byte in name where byte >= 0x80 { ascii = false; break }
        if ascii { return }
        var iterator = name.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var at = start
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): at += scalar.count
            case .emptyInput: return
            case .error:
                throw KafkaWireError(.invalidUTF8, field: "server-name", offset: at, reason: "server-name is not valid UTF-8")
            }
        }
    }

    /// Appends the frame to `buffer`. Fails when the server name is over 255 bytes or a message over 65535 bytes.
    public func encode(into buffer: inout [UInt8]) throws(KafkaWireError) {
        let start = buffer.count
        let name = Array(serverName.utf8)
        guard name.count <= 255 else {
            throw KafkaWireError(
                .serverNameTooLong, field: "server-name", offset: 1,
                reason: "server name is \(name.count) bytes of UTF-8; at most 255 fit")
        }
        buffer.append(Self.registeredType)
        buffer.append(UInt8(name.count))
        buffer.append(contentsOf: name)
        try Self.append(messageIn, at: timestampIn, field: "message-in", to: &buffer, frameStart: start)
        try Self.append(messageOut, at: timestampOut, field: "message-out", to: &buffer, frameStart: start)
    }

    private static func append(
        _ message: DHCPv6Message?, at timestamp: Double, field: String, to buffer: inout [UInt8], frameStart: Int
    ) throws(KafkaWireError) {
        buffer.append64(timestamp.bitPattern)
        let lengthAt = buffer.appendLengthPlaceholder()
        message?.serialize(into: &buffer)
        let length = buffer.count - lengthAt - 2
        guard length <= Int(UInt16.max) else {
            buffer.removeSubrange(frameStart...)
            throw KafkaWireError(
                .messageTooLong, field: field, offset: lengthAt - frameStart,
                reason: "\(field) is \(length) bytes; at most 65535 fit")
        }
        buffer.patchLength(at: lengthAt)
    }
}
