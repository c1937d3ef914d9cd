import ArgumentParser
import DHCPKafkaWire
import DHCPv6
import JSONValue

/// `dhcpkafka decode`: frames as hex lines or raw bytes in, readable text or JSON Lines out.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode DHCPKafkaMessage frames from files or standard input.",
        discussion: """
            Input is one frame per line as hex (blank lines and '#' comments are skipped) or one raw \
            binary frame per file; --input auto tells them apart. A frame that does not decode is \
            reported with the field and byte offset at fault; the other frames still decode, and the \
            exit status is 1; so does hex text forced through --input raw. Input is streamed: a raw input larger than the largest frame (131,347 \
            bytes) or a longer hex line is reported, not read whole. A missing, unreadable or empty \
            input exits with status 2; input with no frames in it (only comments) is not an error.
            """)

    @Option(name: .long, help: "Input format: auto, hex (one frame per line) or raw (one binary frame per file).")
    var input: FrameInput.Format = .auto

    @Flag(name: .long, help: "Print one JSON object per frame (JSON Lines) instead of text.")
    var json = false

    @Argument(help: "Files to read; '-' or none reads standard input.")
    var files: [String] = []

    func run() throws {
        var failures = 0
        var number = 0
        do {
            try FrameInput.forEach(paths: files, format: input) { item in
                number += 1
                if !decode(item, number: number) { failures += 1 }
            }
        } catch let error as CLIError {
            printError(error.description.escapedForDisplay)
            throw ExitCode(2)
        }
        if failures > 0 {
            printError("\(failures) of \(number) frames did not decode")
            throw ExitCode(1)
        }
    }

    /// Prints one frame, or reports why it cannot be decoded; returns whether it decoded.
    private func decode(_ item: FrameInput.Item, number: Int) -> Bool {
        switch item.bytes {
        case .failure(let error):
            report(number: number, origin: item.origin, message: error.description,
                   extra: [("code", .string(error.code)), ("field", error.code == "bad-hex" ? "hex" : "input"), ("offset", .null)])
            return false
        case .success(let bytes):
            do {
                let message = try KafkaMessageRegistry.dhcpKafka.decodeFrame(bytes)
                if message is UnknownKafkaMessage, Self.looksLikeHexText(bytes) {
                    // Hex text read as one raw frame "decodes" as an unknown type: say what happened.
                    report(number: number, origin: item.origin,
                           message: "the input is hex text, not a binary frame (it would decode as an unknown kafka type "
                               + "\(bytes.first ?? 0)); read it with --input hex or --input auto",
                           extra: [("code", .string("hex-as-raw")), ("field", .string("input")), ("offset", .int(0))])
                    return false
                }
                print(json ? message.json.compactText : FrameText.render(message, number: number, origin: item.origin))
                return true
            } catch {
                report(
                    number: number, origin: item.origin, message: error.description,
                    extra: [("code", .string(error.code.rawValue)), ("field", .string(error.field)),
                            ("offset", .int(Int64(error.offset)))])
                return false
            }
        }
    }

    /// Whether raw input consists only of hex digits and whitespace, with at least one digit pair.
    static func looksLikeHexText(_ bytes: [UInt8]) -> Bool {
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            default:
                return false
            }
        }
        return digits >= 2
    }

    private func report(number: Int, origin: String, message: String, extra: [(String, JSONValue)]) {
        printError("frame \(number) (\(origin.escapedForDisplay)): \(message.escapedForDisplay)")
        if json {
            let object: JSONValue = .object(
                [("frame", .int(Int64(number))), ("origin", .string(origin)), ("error", .string(message))] + extra)
            print(object.compactText)
        }
    }
}

extension FrameInput.Format: ExpressibleByArgument {}
