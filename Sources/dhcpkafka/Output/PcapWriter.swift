import DHCPKafkaSocket
import Foundation

/// Writes a classic pcap file (microsecond timestamps, little-endian) of raw IPv6 packets
/// (`LINKTYPE_IPV6`, 229), which Wireshark and tshark read without any link-layer header.
final class PcapWriter {
    /// `LINKTYPE_IPV6`: each packet starts with its IPv6 header.
    static let linkTypeIPv6: UInt32 = 229
    /// Longest packet a record may hold; larger ones are still written whole (tools accept up to 256 KiB).
    static let snapLength: UInt32 = 262_144

    private let file: OutputFile
    private var buffer: [UInt8] = []
    /// Packets written.
    private(set) var packets = 0

    /// Creates (or truncates) `path` with open(2), never replacing it (see ``OutputFile``), and
    /// buffers the file header.
    init(path: String) throws(OutputFileError) {
        file = try OutputFile(path: path)
        buffer.appendLittleEndian32(0xA1B2_C3D4)  // magic: microsecond timestamps
        buffer += [2, 0, 4, 0]  // version 2.4
        buffer.appendLittleEndian32(0)  // thiszone
        buffer.appendLittleEndian32(0)  // sigfigs
        buffer.appendLittleEndian32(Self.snapLength)
        buffer.appendLittleEndian32(Self.linkTypeIPv6)
    }

    /// Adds one packet captured at `time` (seconds since the epoch; invalid times become 0).
    func write(_ packet: [UInt8], at time: Double) throws(OutputFileError) {
        let valid = time.isFinite && time >= 0 && time < Double(UInt32.max)
        var seconds = valid ? UInt32(time.rounded(.down)) : 0
        var micros = valid ? UInt32(((time - Double(seconds)) * 1_000_000).rounded()) : 0
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        buffer.appendLittleEndian32(seconds)
        buffer.appendLittleEndian32(micros)
        buffer.appendLittleEndian32(UInt32(packet.count))  // captured length
        buffer.appendLittleEndian32(UInt32(packet.count))  // original length
        buffer += packet
        packets += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes out what is buffered and closes the file; throws if any byte could not be written.
    func close() throws(OutputFileError) {
        try flush()
        try file.close()
    }

    /// After a failure: closes the file and removes it when it is a regular file (a truncated
    /// capture must not be left looking complete); returns whether it was removed.
    func abandon() -> Bool { file.abandon() }

    private func flush() throws(OutputFileError) {
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
