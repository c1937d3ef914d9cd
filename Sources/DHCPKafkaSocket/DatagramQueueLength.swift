import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's limit on datagrams queued for one Unix datagram socket (`net.unix.max_dgram_qlen`).
///
/// The kernel default is 10 (systemd raises it to 512): far too few for a burst from several DHCP
/// workers. The limit is read when a socket is created, per network namespace, so the daemon raises
/// it before binding when it may (root), and says so when it may not.
public enum DatagramQueueLength {
    static let path = "/proc/sys/net/unix/max_dgram_qlen"

    /// What ``ensure(atLeast:)`` found or did.
    public enum Outcome: Equatable, Sendable {
        /// Already at least the minimum.
        case sufficient(Int)
        /// Raised from the first value to the second.
        case raised(from: Int, to: Int)
        /// Below the minimum and could not be raised (not root, or read-only /proc); the current value.
        case tooLow(Int, reason: String)
    }

    /// The current limit, or `nil` when it cannot be read.
    public static var current: Int? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: .closeOnExec) else { return nil }
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: 32)
        guard let count = try? buffer.withUnsafeMutableBytes({ try fd.read(into: $0) }), count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace)
    }

    /// Raises the limit to `minimum` if it is lower and this process may write it.
    public static func ensure(atLeast minimum: Int) -> Outcome {
        guard let before = current else { return .tooLow(0, reason: "cannot read \(path)") }
        guard before < minimum else { return .sufficient(before) }
        guard let file = fopen(path, "w") else {
            return .tooLow(before, reason: "cannot write \(path) (\(Errno.last)); set net.unix.max_dgram_qlen=\(minimum) with sysctl")
        }
        let written = fputs("\(minimum)\n", file) >= 0
        let closed = fclose(file) == 0
        guard written, closed, let after = current, after >= minimum else {
            return .tooLow(before, reason: "writing \(path) failed; set net.unix.max_dgram_qlen=\(minimum) with sysctl")
        }
        return .raised(from: before, to: after)
    }
}

extension String {
    var trimmingWhitespace: String {
        String(self.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
