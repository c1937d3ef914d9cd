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
            exit status is 1.
            """)

    @Option(name: .long, help: "Input format: auto, hex (one frame per line) or raw (one binary frame per file).")
    var input: FrameInput.Format = .auto

    @Flag(name: .long, help: "Print one JSON object per frame (JSON Lines) instead of text.")
    var json = false

    @Argument(help: "Files to read; '-' or none reads standard input.")
    var files: [String] = []

    func run() throws {
        let items: [FrameInput.Item]
        do {
            items = try FrameInput.read(paths: files, format: input)
        } catch let error as CLIError {
            printError(error.description)
            throw ExitCode(2)
        }
        var failures = 0
        for (index, item) in items.enumerated() {
            let number = index + 1
            switch item.bytes {
            case .failure(let error):
                failures += 1
                report(number: number, origin: item.origin, message: error.description, extra: [("code", "bad-hex"), ("field", "hex"), ("offset", .null)])
            case .success(let bytes):
                do {
                    let message = try KafkaMessageRegistry.dhcpKafka.decodeFrame(bytes)
                    print(json ? message.json.compactText : FrameText.render(message, number: number, origin: item.origin))
                } catch {
                    failures += 1
                    report(
                        number: number, origin: item.origin, message: error.description,
                        extra: [("code", .string(error.code.rawValue)), ("field", .string(error.field)),
                                ("offset", .int(Int64(error.offset)))])
                }
            }
        }
        if failures > 0 {
            printError("\(failures) of \(items.count) frames did not decode")
            throw ExitCode(1)
        }
    }

    private func report(number: Int, origin: String, message: String, extra: [(String, JSONValue)]) {
        printError("frame \(number) (\(origin)): \(message)")
        if json {
            let object: JSONValue = .object(
                [("frame", .int(Int64(number))), ("origin", .string(origin)), ("error", .string(message))] + extra)
            print(object.compactText)
        }
    }
}

extension FrameInput.Format: ExpressibleByArgument {}
