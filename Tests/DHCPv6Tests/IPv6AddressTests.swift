import DHCPv6
import Testing

/// RFC 5952 text form and parsing.
@Suite struct IPv6AddressTests {
    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"), ("2001:0DB8:0:0:0:0:0:1", "2001:db8::1"), ("::", "::"), ("::1", "::1"),
        ("1::", "1::"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("fe80::1:2:3:4:5:6", "fe80:0:1:2:3:4:5:6"),
    ])
    func canonicalText(input: String, expected: String) throws {
        let a = try #require(IPv6Address(input))
        #expect(a.description == expected)
        #expect(IPv6Address(expected) == a)
        #expect(IPv6Address(bytes: a.bytes) == a)
    }

    @Test(arguments: ["", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7", "::1.2.3", "1.2.3.4", ":1::"])
    func rejectsBadText(input: String) {
        #expect(IPv6Address(input) == nil)
    }

    @Test func bytesAreNetworkOrder() {
        let a = IPv6Address(bytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
        #expect(a == IPv6Address("2001:db8::1"))
        #expect(a.high == 0x2001_0db8_0000_0000 && a.low == 1)
        #expect(MemoryLayout<IPv6Address>.size == 16)
    }
}
