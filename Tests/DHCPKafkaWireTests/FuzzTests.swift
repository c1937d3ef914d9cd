import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import JSONValue
import Testing

/// Hostile frames never crash or hang the decoder: a frame either decodes and re-encodes to the
/// same bytes, or throws a ``KafkaWireError`` whose offset lies inside the input.
@Suite(.timeLimit(.minutes(1))) struct FuzzTests {
    /// What went wrong with one input, for the failure message.
    struct Finding: CustomStringConvertible {
        let bytes: [UInt8]
        let problem: String
        var description: String { "\(problem): \(hexString(bytes.prefix(200)))" }
    }

    /// Checks the properties on `bytes`; also decodes them at an offset inside junk when `shifted`.
    /// Returns whether the frame decoded, and appends anything wrong to `findings`.
    @discardableResult
    static func check(
        _ bytes: [UInt8], shifted: Bool = false, checkJSON: Bool = true, findings: inout [Finding]
    ) -> Bool {
        let registry = KafkaMessageRegistry.standard
        var decoded = false
        var failure: KafkaWireError?
        do {
            let message = try registry.decodeFrame(bytes)
            decoded = true
            if let problem = LocatorTests.disagreement(bytes, message) {
                findings.append(Finding(bytes: bytes, problem: problem))
            }
            let again = try message.encoded()
            if again != bytes { findings.append(Finding(bytes: bytes, problem: "re-encoded differently")) }
            if checkJSON {
                if (try? JSONValue.parse(message.json.compactText)) == nil {
                    findings.append(Finding(bytes: bytes, problem: "JSON does not parse"))
                }
                _ = message.summary
            }
        } catch {
            failure = error
            if error.offset < 0 || error.offset > bytes.count {
                findings.append(Finding(bytes: bytes, problem: "offset \(error.offset) outside 0...\(bytes.count): \(error)"))
            }
        }
        // validateFrame accepts exactly what decodeFrame decodes, and otherwise throws the same error.
        do {
            try registry.validateFrame(bytes)
            if !decoded { findings.append(Finding(bytes: bytes, problem: "validateFrame accepted, decodeFrame threw \(failure.map(String.init(describing:)) ?? "")")) }
        } catch {
            if error != failure { findings.append(Finding(bytes: bytes, problem: "validateFrame threw \(error), decodeFrame \(failure.map(String.init(describing:)) ?? "decoded")")) }
        }
        // decodePrefix never disagrees with decodeFrame, and never claims more bytes than there are.
        do {
            let (_, consumed) = try registry.decodePrefix(bytes)
            if consumed < 1 || consumed > bytes.count {
                findings.append(Finding(bytes: bytes, problem: "decodePrefix consumed \(consumed)"))
            } else if decoded != (consumed == bytes.count) {
                findings.append(Finding(bytes: bytes, problem: "decodePrefix consumed \(consumed), decodeFrame decoded=\(decoded)"))
            }
        } catch {
            if decoded || error.offset < 0 || error.offset > bytes.count {
                findings.append(Finding(bytes: bytes, problem: "decodePrefix: \(error)"))
            }
        }
        guard shifted else { return decoded }
        // The same bytes at offset 5 of a larger buffer: the same outcome, offsets shifted by 5.
        let buffer = [0x01, 0xFF, 0x01, 0x00, 0xFF] + bytes + [0x00, 0x00, 0xFF, 0x01]
        do {
            try registry.validateFrame(buffer, offset: 5, length: bytes.count)
            if failure != nil { findings.append(Finding(bytes: bytes, problem: "validateFrame accepted at offset 5")) }
        } catch {
            if let failure, error.code == failure.code, error.field == failure.field, error.offset == failure.offset + 5 {
                // as expected
            } else {
                findings.append(Finding(bytes: bytes, problem: "validateFrame at offset 5: \(error) vs \(failure.map(String.init(describing:)) ?? "success")"))
            }
        }
        do {
            let message = try registry.decodeFrame(buffer, offset: 5, length: bytes.count)
            if !decoded || (try? message.encoded()) != bytes {
                findings.append(Finding(bytes: bytes, problem: "decoded differently at offset 5"))
            }
        } catch {
            if let failure, error.code == failure.code, error.field == failure.field, error.offset == failure.offset + 5 {
                // as expected
            } else {
                findings.append(Finding(bytes: bytes, problem: "at offset 5: \(error) vs \(failure.map(String.init(describing:)) ?? "success")"))
            }
        }
        return decoded
    }

    // MARK: - Random input

    @Test func randomByteStrings() {
        var rng = SplitMix64(seed: 0xD4CA_0001)
        var findings: [Finding] = []
        for i in 0..<100_000 {
            var bytes = rng.bytes(Int(rng.next() % 64))
            if !bytes.isEmpty, rng.next() % 4 != 0 { bytes[0] = 1 }
            if bytes.count > 1, rng.next() % 2 == 0 { bytes[1] = UInt8(rng.next() % 8) }
            Self.check(bytes, shifted: i % 8 == 0, findings: &findings)
        }
        #expect(findings.isEmpty, "\(findings.count) findings, e.g. \(findings.prefix(3))")
    }

    /// Frames with plausible structure and random contents, so decoding often gets to the end.
    @Test func randomStructuredFrames() {
        var rng = SplitMix64(seed: 0xD4CA_0002)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func message() -> [UInt8] {
            switch pick(4) {
            case 0: return []
            case 1: return [[0, 1, 2, 7, 12, 13, 22, 200, 255][pick(9)]] + rng.bytes(pick(24))
            case 2: return hexBytes("01 abcdef 0001 000a 0003 0001 001122334455")
            default: return [12, UInt8(pick(3))] + rng.bytes(32) + [0, 9, 0, 4] + [1, 0, 0, 1]  // relay-forw(solicit)
            }
        }
        func length(_ count: Int) -> [UInt8] {
            switch pick(10) {
            case 0: return rng.bytes(2)
            case 1: return bigEndian(UInt16(truncatingIfNeeded: count + 1))
            case 2: return bigEndian(UInt16(truncatingIfNeeded: count - 1))
            default: return bigEndian(UInt16(count))
            }
        }
        var findings: [Finding] = []
        var decoded = 0
        for i in 0..<60_000 {
            var bytes: [UInt8] = [pick(10) == 0 ? UInt8(pick(256)) : 1]
            let name: [UInt8] = pick(4) == 0 ? rng.bytes(pick(6)) : Array("kea-\(pick(100))".utf8)
            bytes.append(pick(10) == 0 ? UInt8(pick(256)) : UInt8(name.count))
            bytes += name
            bytes += rng.bytes(8)
            let messageIn = message()
            bytes += length(messageIn.count) + messageIn
            bytes += rng.bytes(8)
            let messageOut = message()
            bytes += length(messageOut.count) + messageOut
            switch pick(10) {
            case 0: bytes.removeLast(pick(bytes.count + 1))
            case 1: bytes += rng.bytes(1 + pick(4))
            default: break
            }
            if Self.check(bytes, shifted: i % 4 == 0, findings: &findings) { decoded += 1 }
        }
        #expect(findings.isEmpty, "\(findings.count) findings, e.g. \(findings.prefix(3))")
        #expect(decoded > 10_000, "the generator should reach the end of the frame often (\(decoded))")
    }

    // MARK: - Mutated fixture frames

    /// Where name-len, len-in and len-out sit in a type-1 frame.
    static func lengthOffsets(_ frame: [UInt8]) -> (lenIn: Int, lenOut: Int)? {
        guard frame.first == 1, frame.count > 1 else { return nil }
        let lenIn = 2 + Int(frame[1]) + 8
        guard lenIn + 2 <= frame.count else { return nil }
        let lenOut = lenIn + 2 + (Int(frame[lenIn]) << 8 | Int(frame[lenIn + 1])) + 8
        return (lenIn, lenOut)
    }

    static func mutate(_ original: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
        var bytes = original
        func corrupt16(at i: Int) {
            guard i + 1 < bytes.count else { return }
            switch pick(3) {
            case 0:
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                bytes[i + 1] = UInt8(truncatingIfNeeded: rng.next())
            default:
                let v = (UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) &+ (pick(2) == 0 ? 1 : 0xFFFF)
                bytes[i] = UInt8(v >> 8)
                bytes[i + 1] = UInt8(v & 0xFF)
            }
        }
        switch pick(9) {
        case 0, 1:  // bit flips
            for _ in 0..<(1 + pick(3)) { bytes[pick(bytes.count)] ^= 1 << UInt8(pick(8)) }
        case 2:  // byte insertion
            for _ in 0..<(1 + pick(2)) { bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: pick(bytes.count + 1)) }
        case 3:  // deletion of a run
            let at = pick(bytes.count)
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + pick(4)))
        case 4:  // truncation
            bytes.removeLast(1 + pick(bytes.count))
        case 5:  // name-len
            if bytes.count > 1 { bytes[1] = pick(2) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : bytes[1] &+ (pick(2) == 0 ? 1 : 255) }
        case 6:  // len-in
            if let (lenIn, _) = lengthOffsets(original) { corrupt16(at: lenIn) }
        case 7:  // len-out
            if let (_, lenOut) = lengthOffsets(original) { corrupt16(at: lenOut) }
        default:  // a DHCPv6 length inside a message: some 16-bit value past the header
            if bytes.count > 40 { corrupt16(at: 30 + pick(bytes.count - 31)) }
        }
        return bytes
    }

    /// 52,000 mutations of the 26 fixture frames, in two halves so they run on both cores.
    @Test(arguments: [0, 1])
    func mutatedFixtureFrames(half: Int) {
        let fixtures = fixtureFrames("all")
        var rng = SplitMix64(seed: 0xD4CA_0010 + UInt64(half))
        var findings: [Finding] = []
        var decoded = 0
        for i in 0..<26_000 {
            let bytes = Self.mutate(fixtures[i % fixtures.count].bytes, &rng)
            if Self.check(bytes, shifted: i % 16 == 0, checkJSON: i % 4 == 0, findings: &findings) { decoded += 1 }
        }
        #expect(findings.isEmpty, "\(findings.count) findings, e.g. \(findings.prefix(3))")
        #expect(decoded > 1000 && decoded < 25_000, "mutations decoded: \(decoded)")
    }

    // MARK: - Deep relay chains

    static let relayHeader = 34 + 4
    static let solicit = hexBytes("01 000001 000e 0000")

    /// `depth` relay messages of `type`, each carrying the rest in a relay-msg option (lengths wrap at 16 bits).
    static func relayChain(depth: Int, type: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(depth * relayHeader + solicit.count)
        for level in 0..<depth {
            let rest = (depth - level - 1) * relayHeader + solicit.count
            bytes += [type, UInt8(truncatingIfNeeded: level)] + [UInt8](repeating: 0, count: 32)
            bytes += [0, 9, UInt8(truncatingIfNeeded: rest >> 8), UInt8(truncatingIfNeeded: rest)]
        }
        return bytes + solicit
    }

    @Test func thirtyTwoRelaysDecode() throws {
        let chain = Self.relayChain(depth: 32, type: 12)
        let frame = SmallFrame.bytes(messageIn: chain, messageOut: Self.relayChain(depth: 32, type: 13))
        let message = try #require(try KafkaMessageRegistry.standard.decodeFrame(frame) as? DHCPKafkaMessage)
        #expect(message.messageIn?.relayChain.count == 32)
        #expect(message.messageIn?.innermostMessage.messageType == .solicit)
        #expect(try message.encoded() == frame)
        // Each message is written once (one solicit per chain): the JSON grows linearly with the depth, not exponentially.
        let text = message.json.compactText
        #expect(text.split(separator: "\"solicit\"", omittingEmptySubsequences: false).count == 3)
        #expect(text.utf8.count < 40_000)
        #expect(throws: Never.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [33, 40, 1_700])
    func deeperRelayChainsFailCleanly(depth: Int) throws {
        // As message-in...
        let chainIn = Self.relayChain(depth: depth, type: 12)
        #expect(chainIn.count <= 65_535)
        let deepIn = SmallFrame.bytes(messageIn: chainIn)
        let errorIn = try #require(wireError { () throws(KafkaWireError) in try KafkaMessageRegistry.standard.decodeFrame(deepIn) })
        #expect(errorIn.code == .invalidDHCPv6)
        #expect(errorIn.field.hasPrefix("message-in."))
        #expect(errorIn.reason == "relay-msg nested deeper than 32")
        #expect(errorIn.offset == 15 + 33 * Self.relayHeader)
        // ...and as message-out, behind a message-in of known size.
        let deepOut = SmallFrame.bytes(messageOut: Self.relayChain(depth: depth, type: 13))
        let errorOut = try #require(wireError { () throws(KafkaWireError) in try KafkaMessageRegistry.standard.decodeFrame(deepOut) })
        #expect(errorOut.code == .invalidDHCPv6)
        #expect(errorOut.field.hasPrefix("message-out."))
        #expect(errorOut.offset == 35 + 33 * Self.relayHeader)
    }

    /// 10,000 levels (380 kB) cannot fit a 16-bit length; fed in every way they fail cleanly, without overflowing the stack.
    @Test func tenThousandLevels() {
        let chain = Self.relayChain(depth: 10_000, type: 12)
        var findings: [Finding] = []
        // The first 65,535 bytes as message-in (inner lengths wrapped and wrong).
        let asMessage = SmallFrame.bytes(messageIn: Array(chain.prefix(65_535)))
        #expect(!Self.check(asMessage, shifted: true, findings: &findings))
        // len-in 65535 followed by the whole chain: the rest is misread as timestamp-out and so on.
        var overlong: [UInt8] = [1, 0] + bigEndian(1.0) + [0xFF, 0xFF] + chain
        #expect(!Self.check(overlong, shifted: true, findings: &findings))
        overlong += bigEndian(2.0) + [0, 0]
        #expect(!Self.check(overlong, findings: &findings))
        // The chain itself as a frame: type 12 is an unknown Kafka type, kept as opaque data.
        #expect(Self.check(chain, findings: &findings))
        // The innermost 1,700 levels, correctly framed, as message-in: the depth limit stops them.
        let tail = Array(chain[((10_000 - 1_700) * Self.relayHeader)...])
        #expect(!Self.check(SmallFrame.bytes(messageIn: tail), findings: &findings))
        #expect(findings.isEmpty, "\(findings.prefix(3))")
    }
}
