/// The one escaping used for every piece of untrusted text (server names, client strings, broker
/// errors, file names) before it reaches a terminal or a log line.
///
/// A hostile name must not forge a line (`\n`, `\r`, U+2028/U+2029, NEL), drive the terminal
/// (ESC/CSI/OSC, C1 controls such as U+009B), truncate a line for C tools (NUL) or reorder what
/// the operator reads (the bidi overrides and isolates, U+202E). Those characters are written as
/// visible escapes: `\n`, `\r`, `\t`, `\xHH` for the other C0 controls and DEL, `\u{HHHH}` for the
/// rest. Everything else, including ordinary non-ASCII text, is kept as it is.
public enum TextEscaping {
    /// `text` with every dangerous character replaced by a visible escape.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                if scalar.value < 0x80 {
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    out += "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
                }
            }
        }
        return out
    }

    /// Whether `scalar` is escaped: C0 controls, DEL, C1 controls, the line and paragraph
    /// separators, and the invisible format characters that change how text around them is shown
    /// (bidi marks, embeddings, overrides and isolates, zero-width joiners, the BOM).
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F: true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }
}

extension String {
    /// This text with control, bidi and line-separator characters escaped (see ``TextEscaping``).
    public var escapedForDisplay: String { TextEscaping.escape(self) }
}
