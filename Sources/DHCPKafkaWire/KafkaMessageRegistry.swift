/// Maps Kafka message type bytes to decoders, so new frame types plug in without touching the others.
///
/// A registry is an immutable value: build one with ``registering(_:)`` and share it freely.
/// Types without a decoder decode as ``UnknownKafkaMessage``, which keeps their bytes unchanged.
public struct KafkaMessageRegistry: Sendable {
    typealias Decoder = @Sendable ([UInt8], Int, Int) throws(KafkaWireError) -> (any KafkaMessage, Int)

    private var decoders: [Decoder?] = Array(repeating: nil, count: 256)

    /// An empty registry: every frame decodes as ``UnknownKafkaMessage``.
    public init() {}

    /// The formats of dhcpkit-kafka 1.0.0: type 1 is ``DHCPKafkaMessage``.
    public static let standard = KafkaMessageRegistry().registering(DHCPKafkaMessage.self)

    /// ``standard`` plus DHCPKafka's own records (``GapKafkaMessage``, type 200): what a consumer of a
    /// DHCPKafka topic, or `dhcpkafka decode`, understands. DHCP servers never send these, so the
    /// daemon's ingest keeps using ``standard``.
    public static let dhcpKafka = standard.registering(GapKafkaMessage.self)

    /// A copy of this registry that decodes `type`'s frames with `type`'s decoder.
    public func registering<M: RegisteredKafkaMessage>(_ type: M.Type) -> KafkaMessageRegistry {
        var copy = self
        copy.decoders[Int(M.registeredType)] = { (bytes, offset, end) throws(KafkaWireError) in
            let (message, consumed) = try M.decode(bytes, offset: offset, end: end)
            return (message, consumed)
        }
        return copy
    }

    /// Whether `type` has a registered decoder.
    public func isRegistered(_ type: UInt8) -> Bool { decoders[Int(type)] != nil }

    /// Decodes the message that starts at `offset`, which may be followed by other data.
    ///
    /// - Returns: the message and how many bytes it used. Unknown types use everything up to `end`.
    public func decodePrefix(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil)
        throws(KafkaWireError) -> (message: any KafkaMessage, consumed: Int)
    {
        let end = min(end ?? bytes.count, bytes.count)
        guard offset >= 0, offset < end else {
            throw KafkaWireError(.empty, field: "msg-type", offset: max(offset, 0), reason: "the frame is empty")
        }
        let type = bytes[offset]
        if let decoder = decoders[Int(type)] {
            return try decoder(bytes, offset, end)
        }
        let message = UnknownKafkaMessage(messageType: type, data: Array(bytes[(offset + 1)..<end]))
        return (message, end - offset)
    }

    /// Decodes one whole frame: exactly `length` bytes from `offset` (default: to the end of `bytes`).
    ///
    /// Bytes left over after a self-delimiting message are an error (``KafkaWireError/Code/trailingBytes``):
    /// a frame is one Kafka record value or one datagram, so extra bytes mean corruption.
    public func decodeFrame(_ bytes: [UInt8], offset: Int = 0, length: Int? = nil)
        throws(KafkaWireError) -> any KafkaMessage
    {
        let end = length.map { offset + $0 } ?? bytes.count
        guard end <= bytes.count else {
            throw KafkaWireError(
                .truncated, field: "frame", offset: bytes.count,
                reason: "frame length \(end - offset) runs past the end of the buffer")
        }
        let (message, consumed) = try decodePrefix(bytes, offset: offset, end: end)
        guard offset + consumed == end else {
            let extra = end - offset - consumed
            throw KafkaWireError(
                .trailingBytes, field: "frame", offset: offset + consumed,
                reason: "\(extra) unexpected byte\(extra == 1 ? "" : "s") after \(message is DHCPKafkaMessage ? "message-out" : "the message")")
        }
        return message
    }
}
