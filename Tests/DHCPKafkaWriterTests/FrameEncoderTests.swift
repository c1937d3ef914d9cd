import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPKafkaWriter
import DHCPv6
import Foundation
import Testing

/// The writer's encoder against the wire module's (itself proven against dhcpkit-kafka 1.0.0).
@Suite struct FrameEncoderTests {
    /// Fixture frames that are not transactions, so the writer never builds them; each with the reason.
    /// Every other fixture frame must decode as a transaction.
    static let notTransactions: [String: String] = [
        "unknown-type-7": "an UnknownKafkaMessage (type 7): the writer only writes DHCPKafkaMessage frames",
    ]

    /// Every fixture frame (real Kea transactions, direct and relayed, edge cases) rebuilt from its
    /// raw parts is byte-identical to the fixture; a frame that does not decode fails the test unless
    /// it is listed in ``notTransactions``.
    @Test func rebuildsEveryFixtureFrameExactly() throws {
        var checked = 0
        var skipped: Set<String> = []
        for file in ["all.hex", "edge-cases.hex", "server-names.hex"] {
            let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames/\(file)"), encoding: .utf8)
            var name = "(unnamed)"
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# frame ") {
                    name = String(line.dropFirst("# frame ".count).prefix { $0 != " " })
                    continue
                }
                guard !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let original = hexBytes(String(line))
                let decoded = try KafkaMessageRegistry.standard.decodeFrame(original)
                guard let frame = decoded as? DHCPKafkaMessage else {
                    #expect(Self.notTransactions[name] != nil, "\(file): frame \(name) is no transaction: \(type(of: decoded))")
                    skipped.insert(name)
                    continue
                }
                let rebuilt = FrameEncoder.encode(
                    serverName: frame.serverName, messageIn: frame.messageIn?.serialized(), timestampIn: frame.timestampIn,
                    messageOut: frame.messageOut?.serialized(), timestampOut: frame.timestampOut)
                #expect(rebuilt == original, "\(file): frame \(name)")
                checked += 1
            }
        }
        #expect(skipped == Set(Self.notTransactions.keys), "every listed exception is in the fixtures")
        #expect(checked == 34, "the fixtures hold 34 transaction frames (\(checked) checked)")
    }

    /// Random parts, including the limits: the wire module decodes exactly what went in.
    @Test func randomPartsRoundTripThroughTheWireDecoder() throws {
        var random = SplitMix64(seed: 0xD4CF)
        let sample = try #require(try KafkaMessageRegistry.standard.decodeFrame(
            hexBytes(String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames/relayed.hex"), encoding: .utf8)
                .split(separator: "\n").first { !$0.hasPrefix("#") }.map(String.init) ?? "")) as? DHCPKafkaMessage)
        let incoming = try #require(sample.messageIn?.serialized())
        for round in 0..<300 {
            let nameLength = [0, 1, 255, Int(random.next() % 64)][round % 4]
            let name = String(repeating: round % 3 == 0 ? "é" : "a", count: round % 3 == 0 ? nameLength / 2 : nameLength)
            let timestamps = [Double(random.next() % 2_000_000_000) / 7, 0, -1.5, .greatestFiniteMagnitude]
            let withReply = round % 5 != 0
            let bytes = try #require(FrameEncoder.encode(
                serverName: name, messageIn: round % 7 == 0 ? nil : incoming, timestampIn: timestamps[round % 4],
                messageOut: withReply ? incoming : nil, timestampOut: timestamps[(round + 1) % 4]))
            let decoded = try #require(try KafkaMessageRegistry.standard.decodeFrame(bytes) as? DHCPKafkaMessage)
            #expect(decoded.serverName == name)
            #expect(decoded.timestampIn == timestamps[round % 4])
            #expect(decoded.timestampOut == timestamps[(round + 1) % 4])
            #expect(decoded.messageIn?.serialized() == (round % 7 == 0 ? nil : incoming))
            #expect((decoded.messageOut != nil) == withReply)
        }
    }

    /// The format's limits: a 255-byte name and a 65535-byte message fit, one byte more does not.
    @Test func refusesPartsTooLongForTheFormat() {
        #expect(FrameEncoder.frameSize(serverNameBytes: 255, messageInBytes: 65_535, messageOutBytes: 65_535) == 2 + 255 + 20 + 131_070)
        #expect(FrameEncoder.frameSize(serverNameBytes: 256, messageInBytes: 0, messageOutBytes: 0) == nil)
        #expect(FrameEncoder.frameSize(serverNameBytes: 0, messageInBytes: 65_536, messageOutBytes: 0) == nil)
        #expect(FrameEncoder.encode(serverName: "x", messageIn: nil, timestampIn: 0, messageOut: [UInt8](repeating: 0, count: 65_536), timestampOut: 0) == nil)
    }
}
