/// `host:port`, `a.b.c.d:port` or `[IPv6]:port`, split in one place for the whole package
/// (Kafka brokers, the metrics and dashboard listen addresses, the config file's values).
///
/// Only the shape is checked here. Each user then checks what it needs of the host (a name
/// librdkafka can resolve, an address to bind) and whether port 0 (any free port) is allowed.
public struct HostPort: Sendable, Equatable {
    /// The host without brackets; empty for `:9464`.
    public var host: String
    /// The port, 0 to 65535.
    public var port: UInt16
    /// True when the host was written in brackets, as an IPv6 literal must be.
    public var isBracketed: Bool

    /// Splits `text` at its last colon. Nil unless the port is 1 to 5 ASCII digits up to 65535,
    /// and a host that contains a colon is in brackets (`[::1]:8080`, not `::1:8080`).
    public init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let digits = text[text.index(after: colon)...]
        guard (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = UInt16(digits)
        else { return nil }
        var host = text[..<colon]
        isBracketed = host.hasPrefix("[")
        if isBracketed {
            guard host.count >= 2, host.hasSuffix("]") else { return nil }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        self.host = String(host)
        self.port = port
    }
}
