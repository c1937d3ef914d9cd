extension DHCPv6Message {
    /// Where the client DUID of a message is, without decoding it: the body of the first client-id
    /// option of the innermost message (following the first relay-msg option of each relay), as an
    /// absolute range in `bytes`; nil when that message has no client-id option.
    ///
    /// Allocation-free. It checks what it walks — the message headers, every option header and
    /// length on the way down, the relay nesting limit and the client-id DUID's layout — and throws
    /// where ``parse(_:offset:length:)`` would; it does not check the contents of the other options.
    /// For a message that `parse` accepts, the range holds exactly `clientDUID?.bytes`.
    public static func clientIDRange(
        in bytes: UnsafeRawBufferPointer, offset: Int, length: Int
    ) throws(DHCPv6Error) -> Range<Int>? {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw DHCPv6Error(field: "input", offset: max(0, offset), reason: "range is outside the buffer")
        }
        var start = offset
        var end = offset + length
        var relayDepth = 0
        while true {
            guard start < end else { throw DHCPv6Error(field: "msg-type", offset: start, reason: "needs 1 byte, 0 left") }
            let type = MessageType(rawValue: bytes[start])
            var position: Int
            if type.isClientServer {
                guard end - start >= 4 else {
                    throw DHCPv6Error(field: "transaction-id", offset: start + 1, reason: "truncated header")
                }
                position = start + 4
            } else if type.isRelay {
                guard end - start >= 34 else { throw DHCPv6Error(field: type.name, offset: start + 1, reason: "truncated header") }
                position = start + 34
            } else {
                return nil  // kept raw: no options
            }
            var clientID: Range<Int>?
            var relayed: Range<Int>?
            while position < end {
                guard end - position >= 4 else {
                    throw DHCPv6Error(field: "option-code", offset: position, reason: "truncated option header")
                }
                let code = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
                let optionLength = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
                let body = position + 4
                guard optionLength <= end - body else {
                    throw DHCPv6Error(field: "option-len", offset: position + 2, reason: "length runs past the end")
                }
                if code == 1 && clientID == nil {
                    try checkDUID(bytes, body, optionLength)
                    clientID = body..<(body + optionLength)
                } else if code == 9 && type.isRelay && relayed == nil {
                    guard relayDepth < maxRelayNesting else {
                        throw DHCPv6Error(field: "message", offset: body, reason: "relay-msg nested deeper than \(maxRelayNesting)")
                    }
                    relayed = body..<(body + optionLength)
                }
                position = body + optionLength
            }
            guard let relayed else { return clientID }
            start = relayed.lowerBound
            end = relayed.upperBound
            relayDepth += 1
        }
    }

    /// Throws where ``DUID/parse(_:)`` would for the DUID in `bytes[start..<start+length]`.
    private static func checkDUID(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) throws(DHCPv6Error) {
        guard length >= 2 else { throw DHCPv6Error(field: "duid-type", offset: start, reason: "truncated DUID") }
        let minimum: Int
        switch UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1]) {
        case 1: minimum = 8
        case 2: minimum = 6
        case 3: minimum = 4
        case 4:
            guard length == 18 else { throw DHCPv6Error(field: "duid-uuid.uuid", offset: start + 2, reason: "must be 16 bytes") }
            return
        default: minimum = 2
        }
        guard length >= minimum else { throw DHCPv6Error(field: "duid", offset: start, reason: "truncated DUID") }
    }
}
