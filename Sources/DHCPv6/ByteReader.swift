/// What a parse produces. The grammar is written once (the `parse` functions of this module, generic
/// over the mode); the mode only decides whether the model is assembled.
///
/// ``BuildModel`` keeps every payload. ``ValidateOnly`` walks exactly the same code — same reads, same
/// checks, same errors — but keeps no payload bytes, appends nothing to lists and boxes no nested
/// messages, so validating allocates nothing. The hollow values it returns internally are discarded.
protocol ParseMode {
    /// Whether payloads are copied and lists filled.
    static var buildsModel: Bool { get }
}

/// Parse into the full model.
enum BuildModel: ParseMode {
    @inline(__always) static var buildsModel: Bool { true }
}

/// Parse only to decide validity (and the error, if any).
enum ValidateOnly: ParseMode {
    @inline(__always) static var buildsModel: Bool { false }
}

extension ParseMode {
    /// Appends `element` to `list` when building the model.
    @inline(__always) static func keep<T>(_ element: T, in list: inout [T]) {
        if buildsModel { list.append(element) }
    }
}

/// A bounds-checked cursor over a byte range, used by every parser in this module.
///
/// Reads never go past `end`; a short read throws a ``DHCPv6Error`` naming the field and the absolute
/// offset where it starts. The cursor borrows the caller's bytes (valid for the duration of one
/// parse); sub-readers share them, so no bytes are copied until a payload is kept in the model.
struct ByteReader<Mode: ParseMode> {
    /// The whole input buffer.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The absolute index of the next byte to read.
    var position: Int
    /// The absolute index one past the last readable byte.
    let end: Int

    /// A reader over `bytes[position..<end]`; callers guarantee the range is valid.
    init(bytes: UnsafeBufferPointer<UInt8>, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    /// How many bytes are left.
    @inline(__always) var remaining: Int { end - position }
    /// Whether all bytes were read.
    @inline(__always) var isAtEnd: Bool { position >= end }

    /// Throws unless `n` bytes are left.
    @inline(__always)
    func need(_ n: Int, _ field: String) throws(DHCPv6Error) {
        guard n <= end - position else {
            throw DHCPv6Error(field: field, offset: position, reason: "needs \(byteCount(n)), \(end - position) left")
        }
    }

    /// Reads one byte.
    @inline(__always)
    mutating func u8(_ field: String) throws(DHCPv6Error) -> UInt8 {
        try need(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a big-endian 16-bit integer.
    @inline(__always)
    mutating func u16(_ field: String) throws(DHCPv6Error) -> UInt16 {
        try need(2, field)
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    /// Reads a big-endian 24-bit integer.
    mutating func u24(_ field: String) throws(DHCPv6Error) -> UInt32 {
        try need(3, field)
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    /// Reads a big-endian 32-bit integer.
    @inline(__always)
    mutating func u32(_ field: String) throws(DHCPv6Error) -> UInt32 {
        try need(4, field)
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    /// Reads a 16-byte IPv6 address.
    mutating func address(_ field: String) throws(DHCPv6Error) -> IPv6Address {
        try need(16, field)
        defer { position += 16 }
        return IPv6Address(bytes, at: position)
    }

    /// Reads `n` bytes into a new array (skips them when only validating).
    mutating func take(_ n: Int, _ field: String) throws(DHCPv6Error) -> [UInt8] {
        try need(n, field)
        defer { position += n }
        return Mode.buildsModel ? Array(UnsafeBufferPointer(rebasing: bytes[position..<position + n])) : []
    }

    /// Reads everything that is left into a new array (skips it when only validating).
    mutating func rest() -> [UInt8] {
        defer { position = end }
        return Mode.buildsModel && position < end ? Array(UnsafeBufferPointer(rebasing: bytes[position..<end])) : []
    }

    /// Reads a 16-bit length and then that many bytes, bounded by what is left.
    mutating func lengthPrefixed(_ field: String) throws(DHCPv6Error) -> [UInt8] {
        let lengthAt = position
        let n = Int(try u16(field + "-len"))
        guard n <= remaining else {
            throw DHCPv6Error(field: field + "-len", offset: lengthAt, reason: "length \(n) runs past the end: \(byteCount(remaining)) left")
        }
        return try take(n, field)
    }

    /// A reader over the next `n` bytes; advances this reader past them. Callers check `n` first.
    @inline(__always)
    mutating func sub(_ n: Int) -> ByteReader {
        defer { position += n }
        return ByteReader(bytes: bytes, position: position, end: position + n)
    }
}

/// Big-endian appends used by the serializers.
extension Array where Element == UInt8 {
    @inline(__always) mutating func append16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always) mutating func append32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24))
        append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends a 16-bit length placeholder and returns its index for ``patchLength(at:)``.
    @inline(__always) mutating func appendLengthPlaceholder() -> Int {
        append(0)
        append(0)
        return count - 2
    }

    /// Writes the number of bytes appended since the placeholder at `index` (truncated to 16 bits).
    @inline(__always) mutating func patchLength(at index: Int) {
        let n = UInt16(truncatingIfNeeded: count - index - 2)
        self[index] = UInt8(truncatingIfNeeded: n >> 8)
        self[index + 1] = UInt8(truncatingIfNeeded: n)
    }
}
