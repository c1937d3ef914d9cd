import DHCPv6
import JSONValue
import TextCodecs

/// Frames the spool evicted before they were forwarded (Kafka message type 200, our own).
///
/// The forwarder publishes one in sequence position, so a consumer sees exactly which sequences
/// of which spool it will never get. dhcpkit-kafka consumers see an `UnknownKafkaMessage` and skip it.
///
/// Layout, integers big-endian:
/// `u8 type=200 | u8 name-len | server-name | 16 spool-identity | u64 first-seq | u64 last-seq | u64 frames | u64 bytes | f64 timestamp`.
public struct GapKafkaMessage: RegisteredKafkaMessage, Hashable {
    /// The type byte of this format.
    public static let registeredType: UInt8 = 200
    /// Always 200.
    public var messageType: UInt8 { Self.registeredType }

    /// The DHCP server name the relay labels its records with (at most 255 bytes of UTF-8).
    public var serverName: String
    /// The spool's identity (a UUID), as 16 bytes.
    public var spoolIdentity: [UInt8]
    /// The first evicted sequence.
    public var firstSequence: UInt64
    /// The last evicted sequence.
    public var lastSequence: UInt64
    /// How many frames were evicted in the range.
    public var frames: UInt64
    /// How many stored bytes they held (0 when unknown).
    public var bytes: UInt64
    /// When the gap record was made, in seconds since the epoch.
    public var timestamp: Double

    /// Makes a gap record.
    public init(
        serverName: String, spoolIdentity: [UInt8], firstSequence: UInt64, lastSequence: UInt64, frames: UInt64,
        bytes: UInt64, timestamp: Double
    ) {
        self.serverName = serverName
        self.spoolIdentity = spoolIdentity
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.frames = frames
        self.bytes = bytes
        self.timestamp = timestamp
    }

    /// Decodes a type-200 frame starting at `offset`.
    public static func decode(_ bytes: [UInt8], offset: Int, end: Int) throws(KafkaWireError) -> (Self, consumed: Int) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(KafkaWireError) -> (Self, consumed: Int) in
            var reader = FrameReader(bytes: buffer, position: offset, end: end)
            let type = try reader.u8("msg-type")
            guard type == registeredType else {
                throw KafkaWireError(
                    .wrongType, field: "msg-type", offset: offset, reason: "expected a gap record (type 200), found type \(type)")
            }
            let nameLengthOffset = reader.position
            let nameLength = Int(try reader.u8("name-len"))
            let nameStart = try reader.span(nameLength, "server-name", lengthField: "name-len", lengthOffset: nameLengthOffset)
            let name = UnsafeBufferPointer(rebasing: buffer[nameStart..<(nameStart + nameLength)])
            try DHCPKafkaMessage.checkUTF8(name, at: nameStart)
            let identityStart = try reader.span(16, "spool-identity", lengthField: "spool-identity", lengthOffset: reader.position)
            let message = GapKafkaMessage(
                serverName: String(decoding: name, as: UTF8.self), spoolIdentity: Array(buffer[identityStart..<(identityStart + 16)]),
                firstSequence: try reader.u64("first-seq"), lastSequence: try reader.u64("last-seq"),
                frames: try reader.u64("frames"), bytes: try reader.u64("bytes"), timestamp: try reader.f64("timestamp"))
            return (message, reader.position - offset)
        }
    }

    /// Appends the frame; fails on a server name over 255 bytes or an identity that is not 16 bytes.
    public func encode(into buffer: inout [UInt8]) throws(KafkaWireError) {
        let name = Array(serverName.utf8)
        guard name.count <= 255 else {
            throw KafkaWireError(
                .serverNameTooLong, field: "server-name", offset: 1, reason: "server name is \(name.count) bytes; at most 255 fit")
        }
        guard spoolIdentity.count == 16 else {
            throw KafkaWireError(
                .invalidValue, field: "spool-identity", offset: 2 + name.count, reason: "needs 16 bytes, has \(spoolIdentity.count)")
        }
        buffer.append(Self.registeredType)
        buffer.append(UInt8(name.count))
        buffer.append(contentsOf: name)
        buffer.append(contentsOf: spoolIdentity)
        for value in [firstSequence, lastSequence, frames, bytes] { buffer.append64(value) }
        buffer.append64(timestamp.bitPattern)
    }

    /// The identity in the usual UUID text form.
    public var spoolIdentityText: String { Hex.uuid(spoolIdentity) }

    /// `{"kafka_type": 200, "type": "gap", …}`.
    public var json: JSONValue {
        .object([
            ("kafka_type", .int(Int64(messageType))), ("type", "gap"), ("server_name", .string(serverName)),
            ("spool_identity", .string(spoolIdentityText)), ("first_sequence", .uint(firstSequence)),
            ("last_sequence", .uint(lastSequence)), ("frames", .uint(frames)), ("bytes", .uint(bytes)),
            ("timestamp", .double(timestamp)),
        ])
    }

    /// One line for humans.
    public var summary: String {
        "gap: spool \(spoolIdentityText) of \(serverName.isEmpty ? "-" : serverName.escapedForDisplay) evicted \(frames) frame(s), "
            + "sequences \(firstSequence)…\(lastSequence)"
    }
}
