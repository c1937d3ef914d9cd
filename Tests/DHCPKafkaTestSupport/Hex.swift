import TextCodecs

/// Decodes hex text into bytes for test vectors. Whitespace, `:` and `-` are ignored, so vectors can be
/// grouped by field (`"0001 000e 0003 0001 001122334455"`). Crashes on anything else: test input only.
public func hexBytes(_ s: String) -> [UInt8] {
    do { return try Hex.decode(s, skipping: " \n\t:-") } catch { preconditionFailure("hexBytes: \(error)") }
}

/// Encodes bytes as lower-case hex without separators, e.g. `hexString([0x0a, 0xff]) == "0aff"` (``Hex/encode(_:)``).
public func hexString(_ bytes: some Sequence<UInt8>) -> String { Hex.encode(bytes) }
