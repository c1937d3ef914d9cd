import DHCPv6

/// An IPv6 packet carrying one UDP datagram, as it would have been on the wire (no extension headers).
struct UDPPacket {
    var source: IPv6Address
    var destination: IPv6Address
    var sourcePort: UInt16
    var destinationPort: UInt16
    /// Hop limit: 1 for link-scope multicast (as a DHCPv6 client sends), else 64.
    var hopLimit: UInt8
    var payload: [UInt8]

    /// Largest payload that fits the 16-bit UDP length (the IPv6 payload length has the same limit).
    static let maxPayload = Int(UInt16.max) - 8

    /// The IPv6 header, UDP header and payload; the UDP checksum covers the IPv6 pseudo-header (RFC 8200 §8.1).
    var bytes: [UInt8] {
        let udpLength = 8 + payload.count
        var out: [UInt8] = []
        out.reserveCapacity(40 + udpLength)
        out += [0x60, 0, 0, 0]  // version 6, traffic class 0, flow label 0
        out.append16(UInt16(udpLength))
        out += [17, hopLimit]  // next header: UDP
        out += source.bytes
        out += destination.bytes
        out.append16(sourcePort)
        out.append16(destinationPort)
        out.append16(UInt16(udpLength))
        out += [0, 0]
        out += payload
        var checksum = Self.checksum(source: source, destination: destination, udp: out[40...])
        // A computed 0 is sent as all ones: 0 means "no checksum", which IPv6 forbids for UDP.
        if checksum == 0 { checksum = 0xFFFF }
        out[46] = UInt8(checksum >> 8)
        out[47] = UInt8(checksum & 0xFF)
        return out
    }

    /// The Internet checksum of the pseudo-header (addresses, upper-layer length, next header 17) and `udp`.
    static func checksum(source: IPv6Address, destination: IPv6Address, udp: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt64 = 0
        func add(_ bytes: some Collection<UInt8>) {
            var high = true
            for byte in bytes {
                sum += high ? UInt64(byte) << 8 : UInt64(byte)
                high.toggle()
            }
        }
        add(source.bytes)
        add(destination.bytes)
        sum += UInt64(udp.count) + 17
        add(udp)
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

extension Array where Element == UInt8 {
    /// pcap's headers are little-endian (the big-endian appends are DHCPv6's ``append16(_:)`` family).
    mutating func appendLittleEndian32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
