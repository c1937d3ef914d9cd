#if canImport(Glibc)
import Glibc
#endif

/// A POSIX error number, as swift-system models it: a value with a readable description.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value.
    public let rawValue: Int32
    /// Wraps a raw `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The current thread's `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `strerror` text, e.g. "No such file or directory".
    public var description: String { String(cString: strerror(rawValue)) }

    /// Resource temporarily unavailable (a non-blocking call would block).
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// Interrupted system call.
    public static let interrupted = Errno(rawValue: EINTR)
    /// Connection refused (nobody is bound to a Unix socket path).
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// No such file or directory.
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// Permission denied.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// Message too long for the socket's send buffer.
    public static let messageTooLong = Errno(rawValue: EMSGSIZE)
    /// No buffer space available.
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    /// Transport endpoint is not connected.
    public static let notConnected = Errno(rawValue: ENOTCONN)

    /// Pattern-matches an error against an errno, as in `case Errno.wouldBlock:`.
    public static func ~= (pattern: Errno, error: any Error) -> Bool {
        (error as? Errno) == pattern || (error as? SocketError)?.errno == pattern
    }
}

/// Runs a system call, retrying while it fails with EINTR; returns its result or throws its errno.
@inline(__always)
func systemCall<T: BinaryInteger>(_ call: () -> T) -> Result<T, Errno> {
    while true {
        let result = call()
        if result >= 0 { return .success(result) }
        let error = Errno.current
        if error != .interrupted { return .failure(error) }
    }
}
