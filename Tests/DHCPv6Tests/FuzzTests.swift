import DHCPKafkaTestSupport
import DHCPv6
import Testing

/// Hostile input never crashes or hangs the parser: it either parses (and then round-trips
/// byte-identically) or throws a ``DHCPv6Error``.
@Suite struct FuzzTests {
    /// Parses `bytes`; returns false if it parsed but did not serialize back to the same bytes, if
    /// ``DHCPv6Message/validate(_:offset:length:)`` disagreed with the parser (accepts exactly what
    /// parses, and throws the same error otherwise), or if
    /// ``DHCPv6Message/clientIDRange(in:offset:length:)`` did not find exactly the parsed client DUID
    /// (it must never crash when the message does not parse).
    static func check(_ bytes: [UInt8]) -> Bool {
        guard validateAgrees(bytes) else { return false }
        let located = bytes.withUnsafeBytes { buffer in
            Result { () throws(DHCPv6Error) -> Range<Int>? in
                try DHCPv6Message.clientIDRange(in: buffer, offset: 0, length: bytes.count)
            }
        }
        guard let message = try? DHCPv6Message.parse(bytes) else { return true }
        guard case .success(let located) = located else { return false }
        guard located.map({ Array(bytes[$0]) }) == message.clientDUID?.bytes else { return false }
        return message.serialized() == bytes
    }

    /// Whether validating gives the same outcome as parsing: success for both, or the same error.
    static func validateAgrees(_ bytes: [UInt8]) -> Bool {
        let parsed = Result { () throws(DHCPv6Error) in try DHCPv6Message.parse(bytes) }
        let validated = Result { () throws(DHCPv6Error) in try DHCPv6Message.validate(bytes) }
        switch (parsed, validated) {
        case (.success, .success): return true
        case (.failure(let a), .failure(let b)): return a == b
        default: return false
        }
    }

    @Test func randomByteStrings() {
        var rng = SplitMix64(seed: 0xF022_0001)
        let plausibleTypes: [UInt8] = [1, 3, 7, 11, 12, 13, 14]
        var bad: [[UInt8]] = []
        var parsed = 0
        for _ in 0..<200_000 {
            var bytes = rng.bytes(Int.random(in: 0...48, using: &rng))
            if !bytes.isEmpty && rng.next() % 4 != 0 { bytes[0] = plausibleTypes[Int(rng.next() % 7)] }
            // Often make the first option header plausible so parsing goes past the header.
            if bytes.count >= 8, rng.next() % 2 == 0, bytes[0] != 12, bytes[0] != 13 {
                bytes[4] = 0
                bytes[5] = UInt8(rng.next() % 90)
                bytes[6] = 0
                bytes[7] = UInt8(truncatingIfNeeded: bytes.count - 8 - Int(rng.next() % 3))
            }
            if (try? DHCPv6Message.parse(bytes)) != nil { parsed += 1 }
            if !Self.check(bytes) { bad.append(bytes) }
        }
        #expect(bad.isEmpty, "did not round-trip: \(bad.prefix(3).map(hexString))")
        #expect(parsed > 1000)  // the generator reaches past the header often enough to be useful
    }

    @Test func mutatedValidMessages() {
        var generator = MessageGenerator(seed: 0xF022_0002)
        var bad: [[UInt8]] = []
        for _ in 0..<3000 {
            let original = generator.message().serialized()
            for _ in 0..<20 {
                var bytes = original
                switch generator.int(0...4) {
                case 0:  // bit flips
                    guard !bytes.isEmpty else { continue }
                    for _ in 0..<generator.int(1...3) {
                        bytes[generator.int(0...bytes.count - 1)] ^= 1 << UInt8(generator.int(0...7))
                    }
                case 1:  // truncation
                    bytes.removeLast(generator.int(0...bytes.count))
                case 2:  // length-field corruption: a big-endian 16-bit value overwritten, or nudged by one
                    guard bytes.count >= 2 else { continue }
                    let i = generator.int(0...bytes.count - 2)
                    if generator.chance(50) {
                        bytes[i] = generator.u8()
                        bytes[i + 1] = generator.u8()
                    } else {
                        let v = (UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) &+ (generator.chance(50) ? 1 : 0xFFFF)
                        bytes[i] = UInt8(v >> 8)
                        bytes[i + 1] = UInt8(v & 0xFF)
                    }
                case 3:  // insertion
                    bytes.insert(generator.u8(), at: generator.int(0...bytes.count))
                default:  // deletion of a run
                    guard !bytes.isEmpty else { continue }
                    let at = generator.int(0...bytes.count - 1)
                    bytes.removeSubrange(at..<min(bytes.count, at + generator.int(1...4)))
                }
                if !Self.check(bytes) { bad.append(bytes) }
            }
        }
        #expect(bad.isEmpty, "did not round-trip: \(bad.prefix(3).map(hexString))")
    }

    /// 10,000 relay-forw headers, each claiming to carry the rest in a relay-msg option.
    /// Beyond ~1,700 levels the 16-bit lengths wrap, so both framing and depth limits get exercised.
    @Test func tenThousandDeepRelayChain() {
        let solicit = hexBytes("01 000001 000e 0000")
        let depth = 10_000
        let header = 34 + 4
        var bytes: [UInt8] = []
        bytes.reserveCapacity(depth * header + solicit.count)
        for level in 0..<depth {
            let rest = (depth - level - 1) * header + solicit.count
            bytes += [12, UInt8(truncatingIfNeeded: level)] + [UInt8](repeating: 0, count: 32)
            bytes += [0, 9, UInt8(truncatingIfNeeded: rest >> 8), UInt8(truncatingIfNeeded: rest)]
        }
        bytes += solicit
        #expect(throws: DHCPv6Error.self) { try DHCPv6Message.parse(bytes) }
        #expect(Self.validateAgrees(bytes))

        // The innermost 1,000 levels are framed correctly: the depth limit is what stops them.
        let tail = Array(bytes[((depth - 1000) * header)...])
        #expect(Self.validateAgrees(tail))
        do throws(DHCPv6Error) {
            _ = try DHCPv6Message.parse(tail)
            Issue.record("a 1000-deep chain parsed")
        } catch {
            #expect(error.reason == "relay-msg nested deeper than 32")
            #expect(error.offset == 33 * header)
        }
    }
}
