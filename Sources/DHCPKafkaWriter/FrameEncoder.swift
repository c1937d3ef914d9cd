/// Encodes one transaction as a `DHCPKafkaMessage` frame (Kafka message type 1), byte-compatible
/// with dhcpkit-kafka 1.0.0, straight from the raw packets: no DHCPv6 parsing, no model objects.
///
///     u8 type=1 | u8 name-len | server-name | f64 timestamp-in | u16 len-in | message-in
///               | f64 timestamp-out | u16 len-out | message-out        (big-endian)
///
/// The daemon validates every frame it receives, so the writer only checks what it must to produce
/// a well-formed frame: the server name's length and each message's length.
public enum FrameEncoder {
    /// The Kafka message type of a `DHCPKafkaMessage` frame.
    public static let messageType: UInt8 = 1
    /// The longest server name a frame carries, in UTF-8 bytes.
    public static let maximumServerNameBytes = 255
    /// The longest DHCPv6 message a frame carries, in bytes.
    public static let maximumMessageBytes = Int(UInt16.max)

    /// The frame's size for these parts, or `nil` when a part is too long for the format.
    public static func frameSize(serverNameBytes: Int, messageInBytes: Int, messageOutBytes: Int) -> Int? {
        guard serverNameBytes <= maximumServerNameBytes, messageInBytes <= maximumMessageBytes,
            messageOutBytes <= maximumMessageBytes
        else { return nil }
        return 2 + serverNameBytes + 10 + messageInBytes + 10 + messageOutBytes
    }

    /// Writes the frame into `buffer`, which must hold exactly ``frameSize(serverNameBytes:messageInBytes:messageOutBytes:)``
    /// bytes (the caller checked the lengths with it).
    ///
    /// - Parameters:
    ///   - serverName: UTF-8 bytes of the server name.
    ///   - messageIn: the received message, or `nil`/empty when there is none (length 0).
    ///   - timestampIn: when it was received, seconds since the epoch.
    ///   - messageOut: the reply, or `nil`/empty when the server sent none.
    ///   - timestampOut: when the reply was sent (the original writes its own clock here even without a reply).
    public static func write(
        into buffer: UnsafeMutableRawBufferPointer, serverName: UnsafeRawBufferPointer,
        messageIn: UnsafeRawBufferPointer?, timestampIn: Double,
        messageOut: UnsafeRawBufferPointer?, timestampOut: Double
    ) {
        var offset = 0
        func put(_ byte: UInt8) {
            buffer[offset] = byte
            offset += 1
        }
        func put(_ bytes: UnsafeRawBufferPointer?) {
            guard let bytes, !bytes.isEmpty else { return }
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + bytes.count]).copyMemory(from: bytes)
            offset += bytes.count
        }
        func put(_ value: Double) {
            let bits = value.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
        func putLength(_ bytes: UnsafeRawBufferPointer?) {
            let count = bytes?.count ?? 0
            put(UInt8(truncatingIfNeeded: count >> 8))
            put(UInt8(truncatingIfNeeded: count))
        }
        put(messageType)
        put(UInt8(truncatingIfNeeded: serverName.count))
        put(serverName)
        put(timestampIn)
        putLength(messageIn)
        put(messageIn)
        put(timestampOut)
        putLength(messageOut)
        put(messageOut)
    }

    /// The frame for these parts as a new array, or `nil` when a part is too long for the format.
    public static func encode(
        serverName: String, messageIn: [UInt8]?, timestampIn: Double, messageOut: [UInt8]?, timestampOut: Double
    ) -> [UInt8]? {
        var name = serverName
        return name.withUTF8 { nameBytes -> [UInt8]? in
            guard let size = frameSize(
                serverNameBytes: nameBytes.count, messageInBytes: messageIn?.count ?? 0, messageOutBytes: messageOut?.count ?? 0)
            else { return nil }
            return [UInt8](unsafeUninitializedCapacity: size) { storage, initialized in
                let raw = UnsafeMutableRawBufferPointer(storage)
                withOptionalBytes(messageIn) { incoming in
                    withOptionalBytes(messageOut) { outgoing in
                        write(into: raw, serverName: UnsafeRawBufferPointer(nameBytes), messageIn: incoming,
                              timestampIn: timestampIn, messageOut: outgoing, timestampOut: timestampOut)
                    }
                }
                initialized = size
            }
        }
    }
}

/// Calls `body` with the bytes of `array`, or `nil` when there is no array.
func withOptionalBytes<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBytes { body($0) }
}
