import Foundation

/// Damages a spool's `data.mdb` on purpose, for tests of what the spool and the CLI do with it.
public enum SpoolFileDamage {
    /// Flips `bit` of the 8-byte frame key `sequence` where LMDB stored it: a leaf node, that is the
    /// key size 8 (little-endian UInt16), the big-endian key, then the value, which starts with the
    /// big-endian receive time; give `receiveTime` to match it too. Copy-on-write leaves older copies
    /// of the leaf page in free pages: every copy is flipped (the free ones are never read).
    /// False if the key was not found or the file could not be written.
    public static func flipKeyBit(spool path: String, sequence: UInt64, receiveTime: UInt64? = nil, bit: Int) throws -> Bool {
        let file = path + "/data.mdb"
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        var pattern: [UInt8] = [8, 0]
        withUnsafeBytes(of: sequence.bigEndian) { pattern.append(contentsOf: $0) }
        if let receiveTime { withUnsafeBytes(of: receiveTime.bigEndian) { pattern.append(contentsOf: $0) } }
        var found: [Int] = []
        data.withUnsafeBytes { bytes in
            var i = 0
            while i + pattern.count <= bytes.count {
                if bytes[i] == 8, bytes[i + 1] == 0, bytes[i + 9] == pattern[9],
                    (0..<pattern.count).allSatisfy({ bytes[i + $0] == pattern[$0] })
                {
                    found.append(i)
                }
                i += 1
            }
        }
        guard !found.isEmpty else { return false }
        for at in found { data[at + 2 + 7 - bit / 8] ^= UInt8(1 << (bit % 8)) }
        let fd = open(file, O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } == data.count
    }
}
