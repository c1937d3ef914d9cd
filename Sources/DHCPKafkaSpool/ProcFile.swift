import SystemPackage

/// Reads the small text files of `/proc` (`/proc/locks`, `/proc/self/maps`) whole, without Foundation.
enum ProcFile {
    /// The file's text, or `nil` when it cannot be opened; a read error ends the text early.
    static func read(_ path: String) -> String? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec) else { return nil }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while let count = try? chunk.withUnsafeMutableBytes({ try fd.read(into: $0, retryOnInterrupt: true) }), count > 0 {
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
