import DHCPKafkaTestSupport
import DHCPv6
import Testing

/// Parses hex, checks the serialization gives back the same bytes, and returns the message.
func roundTrip(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> DHCPv6Message {
    let bytes = hexBytes(hex)
    let message = try DHCPv6Message.parse(bytes)
    #expect(message.serialized() == bytes, "round trip", sourceLocation: sourceLocation)
    return message
}

/// Parses a solicit (txid 0x123456) carrying exactly the given option hex, round-trips it, and returns the option.
func option(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> DHCPv6Option? {
    let message = try roundTrip("01 123456 " + hex, sourceLocation: sourceLocation)
    #expect(message.options.count == 1, sourceLocation: sourceLocation)
    return message.options.first
}

/// The error thrown by parsing `hex` (with optional junk around it), or nil if it parsed.
func parseError(_ hex: String, offset: Int = 0, length: Int? = nil) -> DHCPv6Error? {
    do {
        _ = try DHCPv6Message.parse(hexBytes(hex), offset: offset, length: length)
        return nil
    } catch {
        return error
    }
}

/// `IPv6Address` from text that is known to be valid.
func ip(_ text: String) -> IPv6Address {
    guard let a = IPv6Address(text) else { preconditionFailure("bad test address \(text)") }
    return a
}
