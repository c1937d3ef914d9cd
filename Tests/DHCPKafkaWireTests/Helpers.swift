import DHCPKafkaTestSupport
import DHCPKafkaWire
import DHCPv6
import Foundation
import Testing

/// One frame from `Fixtures/frames/*.hex`: the name from its `# frame <name>` comment and its bytes.
struct FixtureFrame: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    var testDescription: String { name }
}

/// The frames of one fixture file (`direct`, `relayed`, `server-names`, `edge-cases`, `all`), in file order.
func fixtureFrames(_ group: String) -> [FixtureFrame] {
    let url = TestPaths.fixtures.appendingPathComponent("frames/\(group).hex")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        preconditionFailure("cannot read fixture \(url.path)")
    }
    var frames: [FixtureFrame] = []
    var name = "?"
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# frame ") {
            // "# frame relayed-01-solicit-advertise (477 bytes)"
            name = String(line.dropFirst("# frame ".count).split(separator: " ").first ?? "?")
        } else if !line.hasPrefix("#"), !line.isEmpty {
            frames.append(FixtureFrame(name: name, bytes: hexBytes(String(line))))
        }
    }
    return frames
}

/// The fixture frame called `name` (searched in `all.hex`).
func fixtureFrame(_ name: String) -> [UInt8] {
    guard let frame = fixtureFrames("all").first(where: { $0.name == name }) else {
        preconditionFailure("no fixture frame \(name)")
    }
    return frame.bytes
}

/// The error `body` throws, or nil when it succeeds.
func wireError<T>(_ body: () throws(KafkaWireError) -> T) -> KafkaWireError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// A small, fully known frame used by the layout and error tests.
///
/// ```
/// offset  0  type 01
///         1  name-len 03
///         2  "abc"
///         5  timestamp-in (8)
///        13  len-in 000a
///        15  message-in: solicit abcdef, elapsed-time 0
///        25  timestamp-out (8)
///        33  len-out 0009
///        35  message-out: advertise abcdef, preference 255
///        44  end
/// ```
enum SmallFrame {
    static let messageIn = hexBytes("01 abcdef 0008 0002 0000")
    static let messageOut = hexBytes("02 abcdef 0007 0001 ff")
    static let timestampIn = 1_795_555_032.695771
    static let timestampOut = 1_795_555_032.696112

    /// Assembles the frame from its fields, without using the encoder.
    static func bytes(
        type: UInt8 = 1, name: [UInt8] = Array("abc".utf8), nameLength: UInt8? = nil,
        messageIn: [UInt8] = messageIn, lengthIn: UInt16? = nil,
        messageOut: [UInt8] = messageOut, lengthOut: UInt16? = nil
    ) -> [UInt8] {
        var out: [UInt8] = [type, nameLength ?? UInt8(name.count)]
        out += name
        out += bigEndian(timestampIn)
        out += bigEndian(lengthIn ?? UInt16(messageIn.count))
        out += messageIn
        out += bigEndian(timestampOut)
        out += bigEndian(lengthOut ?? UInt16(messageOut.count))
        out += messageOut
        return out
    }

    static let count = 44
}

func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

func bigEndian(_ value: Double) -> [UInt8] {
    let bits = value.bitPattern
    return stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: bits >> UInt64($0)) }
}
