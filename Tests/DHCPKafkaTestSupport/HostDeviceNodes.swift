import Foundation

/// The host's shared device nodes, which no test may replace: a helper that wrote its output
/// through `FileManager.createFile(atPath:)` once turned `/dev/null` into a regular file (the run
/// was root), and every later `> /dev/null` on the machine then filled the RAM-backed `/dev`.
public enum HostDeviceNodes {
    /// The nodes checked: each must be a character device.
    public static let paths = ["/dev/null", "/dev/zero", "/dev/full"]

    /// Each watched path that is no longer a character device, with what it is now.
    public static func damaged() -> [String] {
        paths.compactMap { path in
            var info = stat()
            guard lstat(path, &info) == 0 else { return "\(path) is missing" }
            let type = info.st_mode & S_IFMT
            guard type != S_IFCHR else { return nil }
            let kind = type == S_IFREG ? "a regular file" : type == S_IFLNK ? "a symlink" : "not a character device"
            return "\(path) is \(kind)"
        }
    }
}
