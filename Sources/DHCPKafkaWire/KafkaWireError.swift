import DHCPv6

/// Why a frame could not be decoded or encoded, where, and what to do about it.
///
/// The ``code`` doubles as the reason label of the daemon's `rejected` counters,
/// so it is short, stable and machine-friendly; ``description`` is for humans.
public struct KafkaWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem. Its raw value is a stable label (`truncated`, `invalid-dhcpv6`, …).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable label.
        public let rawValue: String
        /// Makes a code from its label.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The label.
        public var description: String { rawValue }

        /// The frame has no bytes at all.
        public static let empty = Code(rawValue: "empty")
        /// A fixed-size field needs more bytes than the frame has left.
        public static let truncated = Code(rawValue: "truncated")
        /// A length field points past the end of the frame.
        public static let lengthPastEnd = Code(rawValue: "length-past-end")
        /// The server name is not valid UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalid-utf8")
        /// Bytes remain after the last field of a self-delimiting frame.
        public static let trailingBytes = Code(rawValue: "trailing-bytes")
        /// An embedded DHCPv6 message does not parse; ``KafkaWireError/dhcpv6`` says why.
        public static let invalidDHCPv6 = Code(rawValue: "invalid-dhcpv6")
        /// A decoder was handed a frame of another Kafka message type.
        public static let wrongType = Code(rawValue: "wrong-type")
        /// The server name is longer than 255 bytes of UTF-8 (encoding only).
        public static let serverNameTooLong = Code(rawValue: "server-name-too-long")
        /// An embedded DHCPv6 message is longer than 65535 bytes (encoding only).
        public static let messageTooLong = Code(rawValue: "message-too-long")
        /// A field holds a value outside its allowed range.
        public static let invalidValue = Code(rawValue: "invalid-value")
    }

    /// The kind of problem.
    public let code: Code
    /// The field concerned, e.g. `server-name`, `len-in`, `message-out`.
    public let field: String
    /// The absolute byte offset in the buffer being decoded (for encoding errors: in the frame being built).
    public let offset: Int
    /// What is wrong, in words.
    public let reason: String
    /// The DHCPv6 parser's error, when ``code`` is ``Code/invalidDHCPv6``.
    public let dhcpv6: DHCPv6Error?

    /// Makes an error.
    public init(_ code: Code, field: String, offset: Int, reason: String, dhcpv6: DHCPv6Error? = nil) {
        self.code = code
        self.field = field
        self.offset = offset
        self.reason = reason
        self.dhcpv6 = dhcpv6
    }

    /// One line: the field, the offset and the reason.
    public var description: String {
        "\(field) at byte \(offset): \(reason)"
    }
}
