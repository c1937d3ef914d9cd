import DHCPv6

/// The frame decoders read with DHCPv6's ``ByteReader`` (one big-endian reader for the package),
/// throwing ``KafkaWireError``s. Frames are always decoded whole, so the mode is ``BuildModel``.
typealias FrameReader = ByteReader<BuildModel, KafkaWireError>

extension KafkaWireError: ByteReaderError {
    /// A fixed-size field past the end of the frame: ``Code/truncated``, `needs 8 bytes, 3 left`.
    public static func truncated(field: String, offset: Int, needed: Int, remaining: Int) -> KafkaWireError {
        KafkaWireError(
            .truncated, field: field, offset: offset,
            reason: "needs \(needed) byte\(needed == 1 ? "" : "s"), \(remaining) left")
    }
}

extension ByteReader where Failure == KafkaWireError {
    /// Skips `count` bytes that a length field announced, returning where they start.
    @inline(__always)
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
