import DHCPKafkaWire
import Foundation
import TextCodecs

/// Frames read from files or standard input, with where each came from for error messages.
///
/// Input is streamed in 64 KiB reads, never read whole: a raw input is refused once it grows past
/// the largest possible frame, and a hex line once it is longer than that frame's hex, so `/dev/zero`
/// or an endless pipe costs bounded memory and ends with an error rather than exhausting memory.
struct FrameInput {
    /// How input bytes are split into frames.
    enum Format: String, CaseIterable {
        /// Decide per input: hex lines when the input starts as text, else one raw frame.
        case auto
        /// One frame per line, as hex; blank lines and lines starting with `#` are skipped.
        case hex
        /// The whole input is one raw binary frame.
        case raw
    }

    /// One frame, or why it could not be read.
    struct Item {
        /// Where it came from: `file:line` for hex lines, `file` for raw input.
        let origin: String
        /// The frame bytes, or why they could not be read.
        let bytes: Result<[UInt8], InputError>
    }

    /// A frame that could not be read: a line that is not hex, an input larger than any frame.
    struct InputError: Error, CustomStringConvertible {
        /// Stable code for JSON output: `bad-hex`, `too-large` or `read-error`.
        let code: String
        let description: String
    }

    /// A hex line that is not hex.

    /// Bytes per read.
    static let chunkSize = 65_536
    /// The longest hex line accepted: the largest frame as hex with a separator after every byte, plus slack.
    static let maximumLineLength = 3 * DHCPKafkaMessage.maximumFrameSize + 1024

    /// Opens every source first (`-` or none means standard input), so a missing file is reported
    /// before anything is decoded, then streams them in order through `body`. Throws `CLIError` for
    /// a source that cannot be opened or is empty.
    static func forEach(paths: [String], format: Format, _ body: (Item) throws -> Void) throws {
        let sources = paths.isEmpty ? ["-"] : paths
        var opened: [(name: String, fd: Int32)] = []
        defer { for source in opened where source.fd != 0 { close(source.fd) } }
        for path in sources {
            if path == "-" {
                opened.append(("stdin", 0))
                continue
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
            opened.append((path, fd))
            var info = stat()
            if fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                throw CLIError("cannot read \(path): it is a directory; name a file of frames")
            }
        }
        for source in opened {
            var reader = ChunkReader(fd: source.fd)
            let items = try split(&reader, name: source.name, format: format, body)
            if items == 0 && reader.total == 0 && reader.failure == nil {
                throw CLIError("\(source.name == "stdin" ? "standard input" : source.name) is empty: no frames to decode")
            }
        }
    }

    /// Reads one source and hands its frames to `body`; returns how many it handed over.
    private static func split(
        _ reader: inout ChunkReader, name: String, format: Format, _ body: (Item) throws -> Void
    ) throws -> Int {
        guard let first = reader.next() else {
            if let failure = reader.failure {
                try body(Item(origin: name, bytes: .failure(failure)))
                return 1
            }
            return 0
        }
        let useHex: Bool
        switch format {
        case .hex: useHex = true
        case .raw: useHex = false
        case .auto: useHex = looksLikeHexLines(first)
        }
        if useHex { return try hexLines(first, &reader, name: name, body) }
        var frame = first
        while frame.count <= DHCPKafkaMessage.maximumFrameSize, let more = reader.next() { frame += more }
        if frame.count > DHCPKafkaMessage.maximumFrameSize {
            try body(Item(origin: name, bytes: .failure(InputError(
                code: "too-large",
                description: "more than \(DHCPKafkaMessage.maximumFrameSize) bytes, larger than any frame; raw input is one "
                    + "frame per file (use --input hex for hex lines); stopped reading"))))
        } else if let failure = reader.failure {
            try body(Item(origin: name, bytes: .failure(failure)))
        } else {
            try body(Item(origin: name, bytes: .success(frame)))
        }
        return 1
    }

    /// Splits a stream into hex lines; a line longer than ``maximumLineLength`` is reported and ends the source.
    private static func hexLines(
        _ first: [UInt8], _ reader: inout ChunkReader, name: String, _ body: (Item) throws -> Void
    ) throws -> Int {
        var count = 0
        var line: [UInt8] = []
        var number = 1
        var overlong = false
        func finish() throws {
            defer {
                line.removeAll(keepingCapacity: true)
                overlong = false
                number += 1
            }
            if overlong {
                count += 1
                try body(Item(origin: "\(name):\(number)", bytes: .failure(InputError(
                    code: "too-large",
                    description: "line is longer than the hex of the largest frame (\(maximumLineLength) characters); "
                        + "stopped reading"))))
                return
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { return }
            count += 1
            let bytes = parseHex(text).mapError { InputError(code: "bad-hex", description: $0.description) }
            try body(Item(origin: "\(name):\(number)", bytes: bytes))
        }
        var chunk: [UInt8]? = first
        while let bytes = chunk {
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    try finish()
                } else {
                    line.append(byte)
                    if line.count > maximumLineLength {
                        // Not hex lines (an endless line such as /dev/zero): report it and stop reading.
                        overlong = true
                        try finish()
                        return count
                    }
                }
            }
            chunk = reader.next()
        }
        if !line.isEmpty { try finish() }
        if let failure = reader.failure {
            count += 1
            try body(Item(origin: "\(name):\(number)", bytes: .failure(failure)))
        }
        return count
    }

    /// Raw input starts with the frame's type byte, a control character (1 for DHCPKafkaMessage);
    /// hex input is printable text. Deciding on the first chunk keeps a hex file with one bad line a hex
    /// file, so the bad line is reported and the others still decode.
    static func looksLikeHexLines(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty
            && bytes.allSatisfy { ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }

    /// Hex digits, optionally separated by spaces, tabs or colons (a CR before the newline is passed over), to bytes.
    static func parseHex(_ line: String) -> Result<[UInt8], HexError> {
        Result { () throws(HexError) in try Hex.decode(line, skipping: " :\t\r") }
    }
}

/// Reads a descriptor in chunks, retrying after signals; remembers a read error instead of throwing.
private struct ChunkReader {
    let fd: Int32
    /// Bytes read so far.
    private(set) var total = 0
    /// Why reading stopped early, if it did.
    private(set) var failure: FrameInput.InputError?
    private var done = false

    init(fd: Int32) { self.fd = fd }

    /// The next chunk, or nil at the end of the input or after an error.
    mutating func next() -> [UInt8]? {
        guard !done else { return nil }
        var buffer = [UInt8](repeating: 0, count: FrameInput.chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                failure = FrameInput.InputError(code: "read-error", description: "read failed: \(String(cString: strerror(errno)))")
            }
            guard count > 0 else {
                done = true
                return nil
            }
            total += count
            return Array(buffer[0..<count])
        }
    }
}
