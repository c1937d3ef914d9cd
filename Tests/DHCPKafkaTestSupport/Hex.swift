/// Decodes hex text into bytes for test vectors. Whitespace, `:` and `-` are ignored, so vectors can be
/// grouped by field (`"0001 000e 0003 0001 001122334455"`). Crashes on anything else: test input only.
public func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8?
    for c in s.utf8 {
        let nibble: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: ":"), UInt8(ascii: "-"): continue
        default: preconditionFailure("hexBytes: not a hex digit: \(Unicode.Scalar(c))")
        }
        if let h = high {
            out.append(h << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    precondition(high == nil, "hexBytes: odd number of hex digits")
    return out
}

/// Encodes bytes as lower-case hex without separators, e.g. `hexString([0x0a, 0xff]) == "0aff"`.
public func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
