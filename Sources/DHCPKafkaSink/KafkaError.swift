import CRdKafka

/// A failure reported by librdkafka: the error code, its classification, and a message for the operator.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's error code.
    public let code: KafkaErrorCode
    /// What to do about it; usually `code.failureClass`, but ``KafkaFailureClass/fatal`` whenever
    /// librdkafka flagged the error as fatal.
    public let failureClass: KafkaFailureClass
    /// What happened and, where known, what to do about it.
    public let message: String

    /// Creates an error; the class defaults to the code's ``KafkaErrorCode/failureClass``.
    public init(code: KafkaErrorCode, message: String, failureClass: KafkaFailureClass? = nil) {
        self.code = code
        self.message = message
        self.failureClass = failureClass ?? code.failureClass
    }

    /// `message [NAME, class]`.
    public var description: String { "\(message) [\(code.name), \(failureClass)]" }

    /// Takes over an `rd_kafka_error_t`: reads it, destroys it, and returns the Swift value.
    static func consuming(_ error: OpaquePointer, context: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = KafkaErrorCode(rd_kafka_error_code(error))
        let text = rd_kafka_error_string(error).map { String(cString: $0) } ?? code.text
        let isFatal = rd_kafka_error_is_fatal(error) != 0 || code == .fatal
        return KafkaError(code: code, message: "\(context): \(text)", failureClass: isFatal ? .fatal : nil)
    }
}

/// An invalid ``KafkaSinkConfiguration`` or a property librdkafka refused.
public struct KafkaConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of mistake; codes match with `~=`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The raw name.
        public let rawValue: String
        /// Creates a code from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Returns true if both codes are the same.
        public static func ~= (pattern: Code, code: Code) -> Bool { pattern == code }
        /// The raw name.
        public var description: String { rawValue }

        /// A broker is not `host:port` or `[IPv6]:port`, or the list is empty.
        public static let invalidBroker = Code(rawValue: "invalidBroker")
        /// The topic name is not a valid Kafka topic name.
        public static let invalidTopic = Code(rawValue: "invalidTopic")
        /// The client id is empty or contains control characters.
        public static let invalidClientID = Code(rawValue: "invalidClientID")
        /// The source address is not an IPv4 or IPv6 literal.
        public static let invalidSourceAddress = Code(rawValue: "invalidSourceAddress")
        /// librdkafka refused a property name or value.
        public static let invalidProperty = Code(rawValue: "invalidProperty")
        /// A passthrough property would override a setting this module fixes.
        public static let reservedProperty = Code(rawValue: "reservedProperty")
        /// A numeric setting is out of range.
        public static let invalidValue = Code(rawValue: "invalidValue")
        /// librdkafka could not create the client instance.
        public static let clientCreationFailed = Code(rawValue: "clientCreationFailed")
    }

    /// The kind of mistake.
    public let code: Code
    /// The librdkafka property the mistake is about, when there is one.
    public let property: String?
    /// What is wrong and how to fix it. Never contains a secret property value.
    public let message: String

    /// Creates an error.
    public init(code: Code, property: String? = nil, message: String) {
        self.code = code
        self.property = property
        self.message = message
    }

    /// The message, in plain words for the operator (``code`` is for programs).
    public var description: String { message }
}
