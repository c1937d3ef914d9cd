/// A byte count written as `1073741824`, `512MiB`, `1GiB`, `64k`, `2G` (binary units).
///
/// Lives here, not in the command line, so the config file's `capacity` and the CLI's
/// `--capacity` accept exactly the same spellings.
public struct ByteSize: Sendable, Equatable, CustomStringConvertible {
    /// The number of bytes.
    public let bytes: Int

    /// A size of exactly `bytes`.
    public init(bytes: Int) { self.bytes = bytes }

    /// Parses digits followed by an optional unit (`b`, `k`, `kb`, `kib`, `m`…, `g`…, `t`, `tib`;
    /// case-insensitive, binary multiples). Nil for anything else or on overflow.
    public init?(parsing text: String) {
        let text = text.trimmingWhitespace().lowercased()
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard let value = Int(digits), !digits.isEmpty else { return nil }
        let unit = String(text.dropFirst(digits.count)).trimmingWhitespace()
        guard let multiplier = Self.multipliers[unit] else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        bytes = product
    }

    private static let multipliers: [String: Int] = [
        "": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
        "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
    ]

    /// `1 GiB`, `512 MiB`, `900 B`.
    public var description: String { Self.format(bytes) }

    /// `1.5 GiB`, `512 MiB`, `900 B`.
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) + " " + units[unit]
    }
}
