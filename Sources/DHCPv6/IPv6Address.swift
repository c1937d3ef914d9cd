/// An IPv6 address, stored inline as two 64-bit halves (no heap allocation).
///
/// `description` is the RFC 5952 canonical text form (lower case, longest run of two or more zero
/// groups shortened to `::`, leftmost run on ties).
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// The unspecified address `::`.
    public static let unspecified = IPv6Address(high: 0, low: 0)

    /// An address from its two big-endian halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An address from 16 bytes in network order. Precondition: `bytes.count == 16`.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        self.init(bytes, at: 0)
    }

    /// An address from the 16 bytes at `index` of `bytes`; callers check the bounds.
    init(_ bytes: [UInt8], at index: Int) {
        precondition(index >= 0 && index + 16 <= bytes.count, "an IPv6 address has 16 bytes")
        self = bytes.withUnsafeBufferPointer { IPv6Address($0, at: index) }
    }

    /// An address from the 16 bytes at `index` of `bytes`; callers check the bounds.
    init(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[index + i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[index + i]) }
        self.init(high: h, low: l)
    }

    /// Parses text such as `"2001:db8::1"`, `"::"` or `"::ffff:192.0.2.1"`; `nil` if it is not an IPv6 address.
    public init?(_ text: String) {
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2,
            let head = Self.groups(halves[0], ipv4Allowed: halves.count == 1)
        else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = Self.groups(halves[1], ipv4Allowed: true), head.count + tail.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for g in all[0..<4] { h = h << 16 | UInt64(g) }
        for g in all[4..<8] { l = l << 16 | UInt64(g) }
        self.init(high: h, low: l)
    }

    /// The 16-bit groups of one side of `::` (empty text gives none); a dotted IPv4 tail counts as two groups.
    private static func groups(_ text: Substring, ipv4Allowed: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var out: [UInt16] = []
        for (i, p) in parts.enumerated() {
            if ipv4Allowed, i == parts.count - 1, p.contains(".") {
                let octets = p.split(separator: ".", omittingEmptySubsequences: false)
                guard octets.count == 4 else { return nil }
                var v: [UInt16] = []
                for o in octets {
                    guard !o.isEmpty, o.count <= 3, o.allSatisfy({ $0 >= "0" && $0 <= "9" }), let n = UInt16(o), n <= 255
                    else { return nil }
                    v.append(n)
                }
                out.append(v[0] << 8 | v[1])
                out.append(v[2] << 8 | v[3])
            } else {
                guard !p.isEmpty, p.count <= 4, p.allSatisfy(\.isHexDigit), let g = UInt16(p, radix: 16) else { return nil }
                out.append(g)
            }
        }
        return out
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(to: &out)
        return out
    }

    /// Appends the 16 bytes in network order.
    func append(to out: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(s))) }
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(s))) }
    }

    /// The eight 16-bit groups.
    private var groups: [UInt16] {
        [48, 32, 16, 0].map { UInt16(truncatingIfNeeded: high >> $0) }
            + [48, 32, 16, 0].map { UInt16(truncatingIfNeeded: low >> $0) }
    }

    /// RFC 5952 text form.
    public var description: String {
        let g = groups
        var bestStart = -1
        var bestLength = 1  // a single zero group is not shortened
        var i = 0
        while i < 8 {
            guard g[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && g[j] == 0 { j += 1 }
            if j - i > bestLength {
                bestStart = i
                bestLength = j - i
            }
            i = j
        }
        func hexGroups(_ r: Range<Int>) -> String { r.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        guard bestStart >= 0 else { return hexGroups(0..<8) }
        return hexGroups(0..<bestStart) + "::" + hexGroups(bestStart + bestLength..<8)
    }
}
