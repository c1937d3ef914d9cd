import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Filesystem work around a Unix socket path: parent directories, stale files, `sockaddr_un`.
enum SocketPath {
    /// The longest path `sockaddr_un` holds (108 bytes including the terminating zero).
    static let maxLength = 107

    /// Makes sure `path` can be bound: its directory exists, and any file there is a stale socket.
    static func prepare(_ path: String) throws(SocketError) {
        guard path.utf8.count <= maxLength, !path.isEmpty else {
            throw SocketError(
                .bind, path: path, errno: nil,
                message: "socket path is \(path.utf8.count) bytes; Unix sockets allow 1 to \(maxLength)")
        }
        try checkParentDirectory(of: path)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SocketError(
                .bind, path: path, errno: nil,
                message: "\(path) exists and is not a socket; remove it or choose another socket path")
        }
        if isListening(path) {
            throw SocketError(
                .bind, path: path, errno: nil,
                message: "another process is already receiving on \(path); stop it or choose another socket path")
        }
        unlink(path)
    }

    /// A name next to `path` to bind under before the socket is ready for writers; `path` itself
    /// when no such name fits in `sockaddr_un`.
    static func stagingName(for path: String) -> String {
        let suffixed = path + ".binding"
        if suffixed.utf8.count <= maxLength { return suffixed }
        guard let slash = path.lastIndex(of: "/") else { return path }
        let hidden = String(path[...slash]) + ".b\(getpid())"
        return hidden.utf8.count <= maxLength ? hidden : path
    }

    /// Whether `bound` is a staging name ``stagingName(for:)`` gives `path` (in any process): a socket
    /// bound under it and renamed into place still reports it (`getsockname`).
    static func isStagingName(_ bound: String, for path: String) -> Bool {
        if bound == path + ".binding" { return true }
        guard let slash = path.lastIndex(of: "/"), bound.hasPrefix(String(path[...slash]) + ".b") else { return false }
        let suffix = bound.dropFirst(path[...slash].count + 2)
        return !suffix.isEmpty && suffix.allSatisfy(\.isNumber)
    }

    /// Refuses a path whose directory does not exist (or is not a directory). The daemon never
    /// creates it: a typo must not make a new directory tree (as root, 0755) that no writer uses.
    static func checkParentDirectory(of path: String) throws(SocketError) {
        let parent = parentDirectory(of: path)
        var info = stat()
        guard stat(parent, &info) == 0 else {
            let error = Errno.last
            throw SocketError(
                .bind, path: path, errno: error,
                message: error == .noSuchFileOrDirectory
                    ? "the socket's directory \(parent) does not exist; create it (systemd: RuntimeDirectory=dhcpkafka) "
                        + "or choose another socket path"
                    : "cannot inspect the socket's directory \(parent)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw SocketError(
                .bind, path: path, errno: nil, message: "\(parent) is not a directory; choose another socket path")
        }
    }

    /// The directory part of `path` ("." for a bare name, "/" for a file in the root).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    /// The device and inode of the file at `path` (not following a symlink), or `nil` when there is none.
    static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether some process has a socket bound at `path` (connecting succeeds).
    static func isListening(_ path: String) -> Bool {
        let raw = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard raw >= 0 else { return false }
        let probe = FileDescriptor(rawValue: raw)
        defer { try? probe.close() }
        return withAddress(path) { connect(probe.rawValue, $0, $1) } == 0
    }

    static func bind(_ fd: Int32, to path: String) throws(SocketError) {
        guard withAddress(path, { Glibc.bind(fd, $0, $1) }) == 0 else {
            let error = Errno.last
            throw SocketError(
                .bind, path: path, errno: error,
                message: error == .permissionDenied
                    ? "cannot bind \(path): the daemon may not write to its directory"
                    : "cannot bind \(path)")
        }
    }

    /// Calls `body` with a `sockaddr_un` for `path` and its length.
    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(maxLength))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

/// Which file a path names: its device and inode.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
}
