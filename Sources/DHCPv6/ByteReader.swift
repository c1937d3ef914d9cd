/// What a parse produces. The grammar is written once (the `parse` functions of this module, generic
/// over the mode); the mode only decides whether the model is assembled.
///
/// ``BuildModel`` keeps every payload. ``ValidateOnly`` walks exactly the same code — same reads, same
/// checks, same errors — but keeps no payload bytes, appends nothing to lists and boxes no nested
/// messages, so validating allocates nothing. The hollow values it returns internally are discarded.
public protocol ParseMode {
    /// Whether payloads are copied and lists filled.
    static var buildsModel: Bool { get }
}

/// Parse into the full model.
public enum BuildModel: ParseMode {
    @inlinable @inline(__always) public static var buildsModel: Bool { true }
}

/// Parse only to decide validity (and the error, if any).
public enum ValidateOnly: ParseMode {
    @inlinable @inline(__always) public static var buildsModel: Bool { false }
}

extension ParseMode {
    /// Appends `element` to `list` when building the model.
    @inline(__always) static func keep<T>(_ element: T, in list: inout [T]) {
        if buildsModel { list.append(element) }
    }
}

/// What a ``ByteReader`` throws when the input runs short. The DHCPv6 parser and the Kafka frame
/// decoder read with the same reader and each throw their own error type.
public protocol ByteReaderError: Error {
    /// `field`, starting at the absolute `offset`, needs `needed` bytes but only `remaining` are left.
    static func truncated(field: String, offset: Int, needed: Int, remaining: Int) -> Self
}

extension DHCPv6Error: ByteReaderError {
    /// `needs 4 bytes, 2 left`.
    public static func truncated(field: String, offset: Int, needed: Int, remaining: Int) -> DHCPv6Error {
        DHCPv6Error(field: field, offset: offset, reason: "needs \(byteCount(needed)), \(remaining) left")
    }
}

/// The DHCPv6 parsers' reader.
typealias MessageReader<Mode: ParseMode> = ByteReader<Mode, DHCPv6Error>

/// A bounds-checked cursor reading big-endian fields from a byte range: the one reader of the
/// package, used by every parser in this module and by the Kafka frame decoder.
///
/// Public (with its hot members `@inlinable`) only so the frame decoder in `DHCPKafkaWire` gets
/// them inlined and specialised: `package` members are not inlined across modules without package
/// CMO, which SwiftPM does not enable (measured: +0.6% instructions per frame decoded as `package`).
///
/// Reads never go past `end`; a short read throws `Failure.truncated`, naming the field and the
/// absolute offset where it starts. The cursor borrows the caller's bytes (valid for the duration
/// of one parse); sub-readers share them, so no bytes are copied until a payload is kept in the model.
public struct ByteReader<Mode: ParseMode, Failure: ByteReaderError> {
    /// The whole input buffer.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The absolute index of the next byte to read.
    public var position: Int
    /// The absolute index one past the last readable byte.
    public let end: Int

    /// A reader over `bytes[position..<end]`; callers guarantee the range is valid.
    @inlinable
    public init(bytes: UnsafeBufferPointer<UInt8>, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    /// How many bytes are left.
    @inlinable @inline(__always) public var remaining: Int { end - position }
    /// Whether all bytes were read.
    @inlinable @inline(__always) public var isAtEnd: Bool { position >= end }

    /// Throws unless `n` bytes are left.
    @inlinable @inline(__always)
    public func need(_ n: Int, _ field: String) throws(Failure) {
        guard n <= end - position else {
            throw Failure.truncated(field: field, offset: position, needed: n, remaining: end - position)
        }
    }

    /// Reads one byte.
    @inlinable @inline(__always)
    public mutating func u8(_ field: String) throws(Failure) -> UInt8 {
        try need(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a big-endian 16-bit integer.
    @inlinable @inline(__always)
    public mutating func u16(_ field: String) throws(Failure) -> UInt16 {
        try need(2, field)
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    /// Reads a big-endian 24-bit integer.
    mutating func u24(_ field: String) throws(Failure) -> UInt32 {
        try need(3, field)
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    /// Reads a big-endian 32-bit integer.
    @inlinable @inline(__always)
    public mutating func u32(_ field: String) throws(Failure) -> UInt32 {
        try need(4, field)
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    /// Reads a big-endian 64-bit integer.
    @inlinable
    public mutating func u64(_ field: String) throws(Failure) -> UInt64 {
        try need(8, field)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[position + i]) }
        position += 8
        return value
    }

    /// Reads a big-endian IEEE 754 double.
    @inlinable
    public mutating func f64(_ field: String) throws(Failure) -> Double {
        Double(bitPattern: try u64(field))
    }

    /// Reads a 16-byte IPv6 address.
    mutating func address(_ field: String) throws(Failure) -> IPv6Address {
        try need(16, field)
        defer { position += 16 }
        return IPv6Address(bytes, at: position)
    }

    /// Reads `n` bytes into a new array (skips them when only validating).
    mutating func take(_ n: Int, _ field: String) throws(Failure) -> [UInt8] {
        try need(n, field)
        defer { position += n }
        return Mode.buildsModel ? Array(UnsafeBufferPointer(rebasing: bytes[position..<position + n])) : []
    }

    /// Reads everything that is left into a new array (skips it when only validating).
    mutating func rest() -> [UInt8] {
        defer { position = end }
        return Mode.buildsModel && position < end ? Array(UnsafeBufferPointer(rebasing: bytes[position..<end])) : []
    }

    /// A reader over the next `n` bytes; advances this reader past them. Callers check `n` first.
    @inline(__always)
    mutating func sub(_ n: Int) -> ByteReader {
        defer { position += n }
        return ByteReader(bytes: bytes, position: position, end: position + n)
    }
}

extension ByteReader where Failure == DHCPv6Error {
    /// Reads a 16-bit length and then that many bytes, bounded by what is left.
    mutating func lengthPrefixed(_ field: String) throws(DHCPv6Error) -> [UInt8] {
        let lengthAt = position
        let n = Int(try u16(field + "-len"))
        guard n <= remaining else {
            throw DHCPv6Error(field: field + "-len", offset: lengthAt, reason: "length \(n) runs past the end: \(byteCount(remaining)) left")
        }
        return try take(n, field)
    }
}

/// Big-endian appends, the writing side of ``ByteReader``: the serializers here and the frame encoder
/// (public and inlinable for the same reason as the reader).
extension Array where Element == UInt8 {
    /// Appends `v` as 2 bytes, most significant first.
    @inlinable @inline(__always) public mutating func append16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `v` as 4 bytes, most significant first.
    @inlinable @inline(__always) public mutating func append32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24))
        append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `v` as 8 bytes, most significant first (a `Double` as its `bitPattern`).
    @inlinable public mutating func append64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    /// Appends a 16-bit length placeholder and returns its index for ``patchLength(at:)``.
    @inlinable @inline(__always) public mutating func appendLengthPlaceholder() -> Int {
        append(0)
        append(0)
        return count - 2
    }

    /// Writes the number of bytes appended since the placeholder at `index` (truncated to 16 bits).
    @inlinable @inline(__always) public mutating func patchLength(at index: Int) {
        let n = UInt16(truncatingIfNeeded: count - index - 2)
        self[index] = UInt8(truncatingIfNeeded: n >> 8)
        self[index + 1] = UInt8(truncatingIfNeeded: n)
    }
}
