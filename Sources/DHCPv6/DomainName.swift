/// A domain name in DNS wire format (RFC 1035 section 3.1), uncompressed, as used in DHCPv6 options.
///
/// Labels are kept as raw bytes so serializing gives back exactly the parsed bytes.
public struct DomainName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, without the terminating zero-length label; each 1...63 bytes.
    public var labels: [[UInt8]]

    /// A name from its raw labels.
    public init(labels: [[UInt8]]) { self.labels = labels }

    /// A name from dotted text such as `"example.com"` (a trailing dot is allowed); no escapes.
    /// `nil` if a label is empty or longer than 63 bytes, or the name is longer than 255 bytes on the wire.
    public init?(_ text: String) {
        var labels: [[UInt8]] = []
        var trimmed = Substring(text)
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        if !trimmed.isEmpty {
            for part in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
                let label = Array(part.utf8)
                guard (1...63).contains(label.count) else { return nil }
                labels.append(label)
            }
        }
        guard labels.reduce(1, { $0 + $1.count + 1 }) <= 255 else { return nil }
        self.labels = labels
    }

    /// Dotted text without a trailing dot (`"."` for the root). Dots, backslashes and bytes outside
    /// printable ASCII inside a label are escaped as `\.`, `\\` and `\DDD` (RFC 1035 master-file style).
    public var description: String {
        guard !labels.isEmpty else { return "." }
        var out: [UInt8] = []
        for (i, label) in labels.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ".")) }
            for b in label {
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                    out.append(b)
                } else if b > 0x20 && b < 0x7F {
                    out.append(b)
                } else {
                    out.append(UInt8(ascii: "\\"))
                    out.append(contentsOf: paddedHexFreeDecimal(b).utf8)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the wire form, ending in the zero label.
    func serialize(into out: inout [UInt8]) {
        for label in labels {
            out.append(UInt8(truncatingIfNeeded: label.count))
            out.append(contentsOf: label)
        }
        out.append(0)
    }

    /// Parses one name from `reader`, up to and including its zero label.
    static func parse<Mode>(_ reader: inout MessageReader<Mode>) throws(DHCPv6Error) -> DomainName {
        let start = reader.position
        var labels: [[UInt8]] = []
        var wireLength = 1
        while true {
            guard !reader.isAtEnd else {
                throw DHCPv6Error(
                    field: "name", offset: start,
                    reason: "unterminated: no zero-length label before the end")
            }
            let lengthAt = reader.position
            let n = Int(try reader.u8("label-len"))
            if n == 0 { break }
            guard n <= 63 else {
                throw DHCPv6Error(
                    field: "label-len", offset: lengthAt,
                    reason: "\(n) is over 63 (compression pointers are not allowed)")
            }
            wireLength += n + 1
            guard wireLength <= 255 else {
                throw DHCPv6Error(field: "name", offset: start, reason: "longer than 255 bytes")
            }
            Mode.keep(try reader.take(n, "label"), in: &labels)
        }
        return DomainName(labels: labels)
    }
}

/// Three decimal digits, zero-padded (`\DDD` escapes).
private func paddedHexFreeDecimal(_ b: UInt8) -> String {
    let s = String(b)
    return String(repeating: "0", count: 3 - s.count) + s
}
