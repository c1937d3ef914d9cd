import TextCodecs

/// What a config key's value must look like. Each type checks a value and gives it the spelling
/// the command line expects (for example `name value` becomes `name=value` for a Kafka property).
public enum ConfigValueType: Sendable {
    /// Any non-empty text.
    case text
    /// A file system path.
    case path
    /// A file mode in octal, `0000`…`0777`.
    case fileMode
    /// A group name or a numeric group id.
    case group
    /// A numeric user or group id (0…4294967295).
    case numericID
    /// A byte count with an optional unit (see ``ByteSize``).
    case byteSize
    /// A whole number of at least 1.
    case positiveCount
    /// A number of seconds; more than 0, or with `allowZero` at least 0.
    case seconds(allowZero: Bool)
    /// One of a fixed list of words.
    case choice([String])
    /// A spool durability (see ``DurabilitySetting``).
    case durability
    /// `host:port`, `a.b.c.d:port` or `[IPv6]:port`.
    case hostPort
    /// An address to listen on: like ``hostPort``, and port 0 picks a free port (the URL is logged).
    case listenAddress
    /// A librdkafka property: `name value` or `name=value`.
    case kafkaProperty

    /// What the type allows, in words, for error messages and the reference.
    public var allowed: String {
        switch self {
        case .text: return "any text"
        case .path: return "a file system path"
        case .fileMode: return "an octal file mode, 0000 to 0777 (like 0660)"
        case .group: return "a group name or numeric group id"
        case .numericID: return "a numeric id, 0 to 4294967295"
        case .byteSize: return "a byte count, optionally with a binary unit: K, M, G, T (like 512M or 1G)"
        case .positiveCount: return "a whole number, at least 1"
        case .seconds(let allowZero): return allowZero ? "a number of seconds, 0 or more" : "a number of seconds, more than 0"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .durability: return DurabilitySetting.allowedDescription
        case .hostPort: return "host:port, a.b.c.d:port or [IPv6]:port"
        case .listenAddress: return "host:port, a.b.c.d:port or [IPv6]:port (port 0 picks a free port)"
        case .kafkaProperty: return "a librdkafka property as `name value` or `name=value`"
        }
    }

    /// Checks `value` and returns it in the form the command line option takes, or nil if it is
    /// not allowed (the caller reports ``allowed``).
    public func normalize(_ value: String) -> String? {
        switch self {
        case .text, .path:
            return value.isEmpty || value.contains("\0") ? nil : value
        case .fileMode:
            guard (1...4).contains(value.count), let mode = UInt32(value, radix: 8), mode <= 0o777 else { return nil }
            return value
        case .group:
            let legal = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-$".contains($0)) }
            return legal && !value.isEmpty ? value : nil
        case .numericID:
            return UInt32(value).map(String.init)
        case .byteSize:
            return ByteSize(parsing: value).map { _ in value }
        case .positiveCount:
            guard let count = Int(value), count >= 1 else { return nil }
            return String(count)
        case .seconds(let allowZero):
            guard let seconds = Double(value), seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0 else { return nil }
            return value
        case .choice(let words):
            let lower = value.lowercased()
            return words.contains(lower) ? lower : nil
        case .durability:
            return DurabilitySetting(parsing: value).map { _ in value.lowercased() }
        case .hostPort:
            return Self.isHostPort(value, allowPortZero: false) ? value : nil
        case .listenAddress:
            return Self.isHostPort(value, allowPortZero: true) ? value : nil
        case .kafkaProperty:
            return Self.kafkaProperty(value)
        }
    }

    /// `name=value` from `name value` or `name=value`; nil without a name or a value separator.
    private static func kafkaProperty(_ text: String) -> String? {
        let separator = text.firstIndex { $0 == "=" || $0 == " " || $0 == "\t" }
        guard let separator, separator != text.startIndex else { return nil }
        let name = String(text[..<separator])
        var rest = text[text.index(after: separator)...]
        // `name = value` and `name  value`: the separator may be padded.
        if text[separator] != "=" {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.first == "=" { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } }
        } else {
            rest = rest.drop { $0 == " " || $0 == "\t" }
        }
        let nameIsLegal = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        return nameIsLegal ? name + "=" + rest : nil
    }

    private static func isHostPort(_ text: String, allowPortZero: Bool) -> Bool {
        guard let address = HostPort(text), allowPortZero || address.port > 0, !address.host.isEmpty else { return false }
        if address.isBracketed {
            return address.host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" }
        }
        return address.host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
    }
}
