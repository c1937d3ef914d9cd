import JSONValue
import TextCodecs

/// A frame of a type this registry has no decoder for: the type byte and opaque data to the end of the frame.
///
/// Mirrors dhcpkit-kafka's `UnknownKafkaMessage`; it encodes back to exactly the bytes it was decoded from.
public struct UnknownKafkaMessage: KafkaMessage, Hashable {
    /// The type byte.
    public var messageType: UInt8
    /// Everything after the type byte.
    public var data: [UInt8]

    /// Makes a message from its type byte and data.
    public init(messageType: UInt8, data: [UInt8]) {
        self.messageType = messageType
        self.data = data
    }

    /// Appends the type byte and the data.
    public func encode(into buffer: inout [UInt8]) throws(KafkaWireError) {
        buffer.append(messageType)
        buffer.append(contentsOf: data)
    }

    /// `{"kafka_type": N, "data": hex}`.
    public var json: JSONValue {
        .object([("kafka_type", .int(Int64(messageType))), ("data", .string(Hex.encode(data)))])
    }

    /// One line for humans.
    public var summary: String {
        "unknown kafka type \(messageType), \(data.count) bytes of data"
    }
}
