/// A framing or content error found while parsing a DHCPv6 message.
///
/// Names the field that was wrong (e.g. `"option 3 (ia-na).t1"`, `"relay-forw.link-address"`),
/// the absolute byte offset in the buffer handed to ``DHCPv6Message/parse(_:offset:length:)``
/// and a reason that says what is wrong (e.g. `"needs 4 bytes, 2 left"`).
public struct DHCPv6Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field that was wrong, as a dotted path from the outermost message.
    public let field: String
    /// The absolute byte offset in the input buffer where the field starts (or where input ran out).
    public let offset: Int
    /// What is wrong with the field.
    public let reason: String

    /// Creates an error.
    public init(field: String, offset: Int, reason: String) {
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// `"<field> at byte <offset>: <reason>"`.
    public var description: String { "\(field) at byte \(offset): \(reason)" }

    /// The same error with `prefix` prepended to the field path (used while unwinding nested parsers).
    func prefixed(_ prefix: String) -> DHCPv6Error {
        DHCPv6Error(field: prefix + "." + field, offset: offset, reason: reason)
    }

    /// The field-path prefix naming an option, e.g. `"option 3 (ia-na)"`. Only built on the error path.
    static func optionPrefix(_ code: UInt16) -> String {
        "option \(code) (\(DHCPv6Option.name(forCode: code)))"
    }
}

/// `"1 byte"`, `"4 bytes"`.
func byteCount(_ n: Int) -> String { n == 1 ? "1 byte" : "\(n) bytes" }
