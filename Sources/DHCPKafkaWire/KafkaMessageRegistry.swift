/// Maps Kafka message type bytes to decoders, so new frame types plug in without touching the others.
///
/// A registry is an immutable value: build one with ``registering(_:)`` and share it freely.
/// Types without a decoder decode as ``UnknownKafkaMessage``, which keeps their bytes unchanged.
public struct KafkaMessageRegistry: Sendable {
    typealias Decoder = @Sendable ([UInt8], Int, Int) throws(KafkaWireError) -> (any KafkaMessage, Int)

    typealias Validator = @Sendable (UnsafeBufferPointer<UInt8>, Int, Int) throws(KafkaWireError) -> Int

    private var decoders: [Decoder?] = Array(repeating: nil, count: 256)
    private var validators: [Validator?] = Array(repeating: nil, count: 256)
    /// Whether the type's last field is `message-out` (``DHCPKafkaMessage``), for trailing-bytes errors.
    private var endsWithMessageOut = Array(repeating: false, count: 256)

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
        copy.endsWithMessageOut[Int(M.registeredType)] = M.self == DHCPKafkaMessage.self
        copy.validators[Int(M.registeredType)] = { (bytes, offset, end) throws(KafkaWireError) in
            try M.validate(bytes, offset: offset, end: end)
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
        let type = try Self.typeByte(count: bytes.count, offset: offset, end: end) { bytes[$0] }
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
        let end = try Self.frameEnd(count: bytes.count, offset: offset, length: length)
        let (message, consumed) = try decodePrefix(bytes, offset: offset, end: end)
        try checkConsumed(message.messageType, offset: offset, consumed: consumed, end: end)
        return message
    }

    /// Checks one whole frame as ``decodeFrame(_:offset:length:)`` would, without building the message:
    /// accepts exactly the frames `decodeFrame` accepts and throws exactly its errors otherwise.
    /// Registered types are checked by their ``RegisteredKafkaMessage/validate(_:offset:end:)``;
    /// types without a decoder are opaque and always valid, as in `decodeFrame`.
    public func validateFrame(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0, length: Int? = nil)
        throws(KafkaWireError)
    {
        let end = try Self.frameEnd(count: bytes.count, offset: offset, length: length)
        let type = try Self.typeByte(count: bytes.count, offset: offset, end: end) { bytes[$0] }
        let consumed = try validators[Int(type)]?(bytes, offset, end) ?? (end - offset)
        try checkConsumed(type, offset: offset, consumed: consumed, end: end)
    }

    /// Checks, without building it, a whole frame held in an array.
    public func validateFrame(_ bytes: [UInt8], offset: Int = 0, length: Int? = nil) throws(KafkaWireError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(KafkaWireError) in
            try validateFrame(buffer, offset: offset, length: length)
        }
    }

    /// The type byte at `offset`, or the `empty` error when the range holds no byte.
    @inline(__always)
    private static func typeByte(count: Int, offset: Int, end: Int, _ byte: (Int) -> UInt8) throws(KafkaWireError) -> UInt8 {
        guard offset >= 0, offset < end else {
            throw KafkaWireError(.empty, field: "msg-type", offset: max(offset, 0), reason: "the frame is empty")
        }
        return byte(offset)
    }

    /// Where a frame of `length` bytes at `offset` ends; throws when that is past the buffer.
    @inline(__always)
    private static func frameEnd(count: Int, offset: Int, length: Int?) throws(KafkaWireError) -> Int {
        let end = length.map { offset + $0 } ?? count
        guard end <= count else {
            throw KafkaWireError(
                .truncated, field: "frame", offset: count,
                reason: "frame length \(end - offset) runs past the end of the buffer")
        }
        return end
    }

    /// Throws when a message used fewer bytes than its frame has.
    @inline(__always)
    private func checkConsumed(_ type: UInt8, offset: Int, consumed: Int, end: Int) throws(KafkaWireError) {
        guard offset + consumed == end else {
            let left = end - offset - consumed
            throw KafkaWireError(
                .trailingBytes, field: "frame", offset: offset + consumed,
                reason: "\(left) unexpected byte\(left == 1 ? "" : "s") after \(endsWithMessageOut[Int(type)] ? "message-out" : "the message")")
        }
    }
}
