import Foundation

/// MAC vendors from the IEEE's OUI list, read offline (Debian's `ieee-data`:
/// `/usr/share/ieee-data/oui.txt`, lines like `00-16-3E   (hex)\t\tXensource, Inc.`).
public struct OUIDirectory: Sendable {
    private let vendors: [UInt32: String]

    /// Where Debian's `ieee-data` puts the list.
    public static let debianPath = "/usr/share/ieee-data/oui.txt"

    /// At most this many bytes are read (the 2022 list is 5 MB).
    public static let maximumBytes = 32 << 20

    /// Reads `path`; nil when it is missing, unreadable, too large or holds no entry.
    public init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int, size <= Self.maximumBytes,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        self.init(text: String(decoding: data, as: UTF8.self))
        if vendors.isEmpty { return nil }
    }

    /// Parses the list's text.
    public init(text: String) {
        var vendors: [UInt32: String] = [:]
        for line in text.split(separator: "\n") where line.contains("(hex)") {
            let parts = line.split(separator: "(hex)", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let digits = parts[0].filter(\.isHexDigit)
            guard digits.count == 6, let prefix = UInt32(digits, radix: 16) else { continue }
            let vendor = parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
            if !vendor.isEmpty { vendors[prefix] = String(vendor.prefix(120)) }
        }
        self.vendors = vendors
    }

    /// The vendor of a MAC written `aa:bb:cc:dd:ee:ff`, or nil.
    public func vendor(ofMAC mac: String) -> String? {
        let digits = mac.filter(\.isHexDigit)
        guard digits.count == 12, let prefix = UInt32(digits.prefix(6), radix: 16) else { return nil }
        return vendors[prefix]
    }
}
