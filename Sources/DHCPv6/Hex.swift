private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension Array where Element == UInt8 {
    /// The bytes as lower-case hex without separators, e.g. `"0a1b"`.
    public var hexString: String {
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes as lower-case hex separated by colons, e.g. `"00:11:22"` (link-layer addresses).
    var colonHexString: String {
        var out: [UInt8] = []
        out.reserveCapacity(count * 3)
        for (i, b) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `value` as exactly `digits` lower-case hex digits (zero-padded).
func paddedHex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
    let s = String(value, radix: 16)
    return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
}
