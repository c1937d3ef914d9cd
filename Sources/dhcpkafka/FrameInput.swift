import Foundation

/// Frames read from files or standard input, with where each came from for error messages.
struct FrameInput {
    /// How input bytes are split into frames.
    enum Format: String, CaseIterable {
        /// Decide per input: hex lines when the input is text made of hex digits, else one raw frame.
        case auto
        /// One frame per line, as hex; blank lines and lines starting with `#` are skipped.
        case hex
        /// The whole input is one raw binary frame.
        case raw
    }

    /// One frame, or why its line could not be read.
    struct Item {
        /// Where it came from: `file:line` for hex lines, `file` for raw input.
        let origin: String
        /// The frame bytes, or a description of the unreadable line.
        let bytes: Result<[UInt8], HexLineError>
    }

    /// A hex line that is not hex.
    struct HexLineError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads every source (`-` or no source at all means standard input) in order.
    static func read(paths: [String], format: Format) throws -> [Item] {
        var items: [Item] = []
        for path in paths.isEmpty ? ["-"] : paths {
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw CLIError("cannot read \(path): no such file or not readable")
                }
                data = contents
            }
            let name = path == "-" ? "stdin" : path
            items += split([UInt8](data), name: name, format: format)
        }
        return items
    }

    static func split(_ bytes: [UInt8], name: String, format: Format) -> [Item] {
        let text = String(validating: bytes, as: UTF8.self)
        let useHex: Bool
        switch format {
        case .hex: useHex = true
        case .raw: useHex = false
        case .auto: useHex = text.map(looksLikeHexLines) ?? false
        }
        guard useHex else { return [Item(origin: name, bytes: .success(bytes))] }
        // "\r\n" is a single Character in Swift, so CRLF files need it as a separator of its own.
        let lines = (text ?? String(decoding: bytes, as: UTF8.self)).split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        var items: [Item] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            items.append(Item(origin: "\(name):\(index + 1)", bytes: parseHex(trimmed)))
        }
        return items
    }

    /// Text without control characters (other than tabs and line breaks) is hex lines. A raw frame starts
    /// with its type byte, a control character for DHCPKafkaMessage (1). Deciding on that alone keeps a hex
    /// file with one bad line a hex file, so the bad line is reported and the others still decode (rather
    /// than the whole file becoming one "unknown type" frame). Empty input is raw: one empty frame.
    static func looksLikeHexLines(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value != 0x7F) || $0 == "\n" || $0 == "\r" || $0 == "\t" }
    }

    /// Hex digits, optionally separated by spaces or colons, to bytes.
    static func parseHex(_ line: String) -> Result<[UInt8], HexLineError> {
        var out: [UInt8] = []
        var high: UInt8?
        for (index, scalar) in line.unicodeScalars.enumerated() {
            if scalar == " " || scalar == ":" || scalar == "\r" || scalar == "\t" { continue }
            guard let nibble = UInt8(String(scalar), radix: 16) else {
                return .failure(HexLineError(description: "not hex: '\(scalar)' at character \(index + 1)"))
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return .failure(HexLineError(description: "odd number of hex digits")) }
        return .success(out)
    }
}

/// A command-line failure with a message for the operator; exits with status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
