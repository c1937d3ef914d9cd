/// Lower-case hex, written and read in one place for the whole package: frames in JSON and in the
/// CLI's hex lines, DUIDs and link-layer addresses, spool identities, query parameters, test vectors.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The bytes as lower-case hex without separators, e.g. `"0a1b"`.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes as lower-case hex with `separator` between bytes, e.g. `"00:11:22"` for `":"`.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>, separator: Unicode.Scalar) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 3)
        for byte in bytes {
            if !out.isEmpty { out.append(contentsOf: String(separator).utf8) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` as at least `digits` lower-case hex digits, zero-padded on the left.
    public static func padded(_ value: some BinaryInteger, digits: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }

    /// Hex digits (either case) to bytes, passing over the characters in `separators`
    /// (e.g. `" :"`); anything else, or an odd number of digits, throws.
    public static func decode(_ text: some StringProtocol, skipping separators: String = "") throws(HexError) -> [UInt8] {
        let skipped = Set(separators.unicodeScalars)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if skipped.contains(scalar) { continue }
            guard let nibble = nibble(scalar) else { throw .notHex(scalar, position: index + 1) }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw .oddDigitCount }
        return out
    }

    private static func nibble(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        default: nil
        }
    }

    /// A 16-byte identity in the usual UUID text form (`8-4-4-4-12`); other lengths as plain hex.
    public static func uuid(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return encode(bytes) }
        return [bytes[0..<4], bytes[4..<6], bytes[6..<8], bytes[8..<10], bytes[10..<16]].map(encode).joined(separator: "-")
    }

    /// The 16 bytes of a UUID's text form (dashes optional), or nil when it is not one.
    public static func uuidBytes(_ text: some StringProtocol) -> [UInt8]? {
        guard let bytes = try? decode(text, skipping: "-"), bytes.count == 16 else { return nil }
        return bytes
    }
}

/// Why text is not hex.
public enum HexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A character that is neither a hex digit nor an allowed separator, at a 1-based position.
    case notHex(Unicode.Scalar, position: Int)
    /// The digits do not pair up into bytes.
    case oddDigitCount

    /// `not hex: 'x' at character 4`, `odd number of hex digits`.
    public var description: String {
        switch self {
        case let .notHex(scalar, position): "not hex: '\(scalar)' at character \(position)"
        case .oddDigitCount: "odd number of hex digits"
        }
    }
}

extension Sequence<UInt8> {
    /// The bytes as lower-case hex without separators, e.g. `"0a1b"` (``Hex/encode(_:)``).
    @inlinable public var hexString: String { Hex.encode(self) }
}
