/// Reads big-endian fields from a byte range, tracking the absolute offset for error messages.
/// Borrows the caller's bytes for the duration of one decode.
struct FrameReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, end: Int) {
        self.bytes = bytes
        self.position = offset
        self.end = end
    }

    var remaining: Int { end - position }

    private func need(_ count: Int, _ field: String) throws(KafkaWireError) {
        guard count <= remaining else {
            throw KafkaWireError(
                .truncated, field: field, offset: position,
                reason: "needs \(count) byte\(count == 1 ? "" : "s"), \(remaining) left")
        }
    }

    mutating func u8(_ field: String) throws(KafkaWireError) -> UInt8 {
        try need(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16(_ field: String) throws(KafkaWireError) -> UInt16 {
        try need(2, field)
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func u64(_ field: String) throws(KafkaWireError) -> UInt64 {
        try need(8, field)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[position + i]) }
        position += 8
        return value
    }

    mutating func f64(_ field: String) throws(KafkaWireError) -> Double {
        try need(8, field)
        var bits: UInt64 = 0
        for i in 0..<8 { bits = bits << 8 | UInt64(bytes[position + i]) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// Skips `count` bytes that a length field announced, returning where they start.
    mutating func span(_ count: Int, _ field: String, lengthField: String, lengthOffset: Int) throws(KafkaWireError) -> Int {
        guard count <= remaining else {
            throw KafkaWireError(
                .lengthPastEnd, field: lengthField, offset: lengthOffset,
                reason: "\(field) length \(count) runs past the end of the frame (\(remaining) byte\(remaining == 1 ? "" : "s") left)")
        }
        defer { position += count }
        return position
    }
}

/// Appends big-endian fields to a frame buffer.
extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendBigEndian(_ value: Double) {
        appendBigEndian(value.bitPattern)
    }

    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}
