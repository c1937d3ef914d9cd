#if canImport(Glibc)
import Glibc
#endif

/// Finds who holds a `flock` on a file by reading `/proc/locks`, without touching the lock.
enum SpoolLockProbe {
    /// The pid holding a `FLOCK` on `file`, or nil if none (or the file does not exist).
    ///
    /// A `/proc/locks` line reads `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`: the device as
    /// hex `major:minor` and the inode identify the file.
    static func holder(of file: String) -> Int32? {
        var info = stat()
        guard stat(file, &info) == 0, let text = ProcFile.read("/proc/locks") else { return nil }
        let device = UInt64(info.st_dev)
        let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~UInt64(0xFFF))
        let minor = (device & 0xFF) | ((device >> 12) & ~UInt64(0xFF))
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // A blocked waiter's line has an extra "->" field; only holders count.
            guard fields.count >= 6, fields[1] == "FLOCK", fields[2] != "->" else { continue }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, UInt64(id[0], radix: 16) == major, UInt64(id[1], radix: 16) == minor,
                  UInt64(id[2]) == UInt64(info.st_ino), let pid = Int32(fields[4]) else { continue }
            return pid
        }
        return nil
    }
}
