import JSONValue

/// A message published to Kafka: one frame, starting with its `u8` Kafka message type.
///
/// dhcpkit-kafka 1.0.0 defines type 1 (``DHCPKafkaMessage``); every other type byte decodes as
/// ``UnknownKafkaMessage`` unless a decoder for it is registered in a ``KafkaMessageRegistry``.
public protocol KafkaMessage: Sendable {
    /// The type byte this frame starts with.
    var messageType: UInt8 { get }
    /// Appends the whole frame, type byte included, to `buffer`.
    /// Throws when a field cannot be represented (for example a server name over 255 bytes).
    func encode(into buffer: inout [UInt8]) throws(KafkaWireError)
    /// A JSON description; always has the key `kafka_type`.
    var json: JSONValue { get }
    /// One line for humans.
    var summary: String { get }
}

extension KafkaMessage {
    /// The whole frame as bytes.
    public func encoded() throws(KafkaWireError) -> [UInt8] {
        var buffer: [UInt8] = []
        try encode(into: &buffer)
        return buffer
    }
}

/// A Kafka message type that a ``KafkaMessageRegistry`` can decode.
public protocol RegisteredKafkaMessage: KafkaMessage {
    /// The type byte this decoder handles.
    static var registeredType: UInt8 { get }
    /// Decodes one message starting at `offset` and ending no later than `end` (exclusive).
    ///
    /// - Returns: the message and the number of bytes it used, which may be less than `end - offset`
    ///   for self-delimiting formats.
    static func decode(_ bytes: [UInt8], offset: Int, end: Int) throws(KafkaWireError) -> (Self, consumed: Int)
    /// Checks one message starting at `offset` and ending no later than `end` without keeping it;
    /// throws exactly what ``decode(_:offset:end:)`` throws and returns the bytes it would use.
    /// The default decodes a copy; formats override it with a cheaper walk of the same grammar.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, end: Int) throws(KafkaWireError) -> Int
}

extension RegisteredKafkaMessage {
    /// Decodes a copy of `bytes` and discards the message.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, end: Int) throws(KafkaWireError) -> Int {
        try decode(Array(bytes), offset: offset, end: end).consumed
    }
}
