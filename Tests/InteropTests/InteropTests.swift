import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import JSONValue
import Testing

/// Byte compatibility with the original dhcpkit-kafka 1.0.0, both ways, with dhcpkit as the oracle.
@Suite struct InteropTests {
    static let seeds = [20161208, 42]
    static let framesPerSeed = 600

    /// Frames made by dhcpkit-kafka decode field by field and re-encode to identical bytes.
    @Test(arguments: seeds) func framesFromTheOriginalDecodeAndReencode(seed: Int) throws {
        let expected = try Oracle.run("generate_frames.py", [String(seed), String(Self.framesPerSeed)])
        #expect(expected.count == Self.framesPerSeed)
        var decodedTypes: Set<UInt8> = []
        for (number, description) in expected.enumerated() {
            let bytes = hexBytes(try #require(description["hex"]?.stringValue))
            let frame = try KafkaMessageRegistry.standard.decodeFrame(bytes)
            decodedTypes.insert(frame.messageType)
            let actual = FrameDescription.describe(frame: frame, bytes: bytes)
            #expect(actual.normalizingAddresses == description.normalizingAddresses, "frame \(number) of seed \(seed)")
            #expect(try frame.encoded() == bytes, "frame \(number) of seed \(seed) did not re-encode identically")
        }
        #expect(decodedTypes.contains(1) && decodedTypes.count > 1, "the corpus covers type 1 and unknown types")
    }

    /// Frames built by the Swift side parse with KafkaMessage.parse, describe the same, and save identically.
    @Test func framesFromSwiftParseInTheOriginal() throws {
        var generator = SwiftFrameGenerator(seed: 1)
        var lines: [String] = []
        for _ in 0..<700 {
            let frame = generator.frame()
            let bytes = try frame.encoded()
            lines.append(FrameDescription.describe(frame: frame, bytes: bytes).compactText)
        }
        // Frames the original made, remixed through the Swift model, and unknown frame types.
        for description in try Oracle.run("generate_frames.py", ["7", "300"]) {
            let bytes = hexBytes(try #require(description["hex"]?.stringValue))
            var frame = try KafkaMessageRegistry.standard.decodeFrame(bytes)
            if let dhcp = frame as? DHCPKafkaMessage { frame = generator.remix(dhcp) }
            let encoded = try frame.encoded()
            lines.append(FrameDescription.describe(frame: frame, bytes: encoded).compactText)
        }
        let result = try #require(try Oracle.run("check_frames.py", input: lines.joined(separator: "\n")).first)
        #expect(result["checked"]?.intValue == Int64(lines.count))
        #expect(result["failure_count"]?.intValue == 0, "the original rejected or misread: \(result["failures"]?.compactText ?? "")")
    }

    /// Every committed fixture frame (encoded by dhcpkit-kafka from real captures) decodes and re-encodes identically.
    @Test func fixtureFramesRoundTrip() throws {
        let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames/all.hex"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(lines.count >= 20)
        for line in lines {
            let bytes = hexBytes(String(line))
            #expect(try KafkaMessageRegistry.standard.decodeFrame(bytes).encoded() == bytes)
        }
    }
}
