#if canImport(Glibc)
import Glibc
#endif

/// Why an output file could not be written, with the path and what to do.
public struct OutputFileError: Error, CustomStringConvertible, Sendable {
    /// The path being written.
    public let path: String
    /// The failed step: "open", "write" or "close".
    public let operation: String
    /// The system's error.
    public let errno: Errno

    /// One line for the operator: what failed, why, and what to do about it.
    public var description: String {
        let hint: String
        switch errno.rawValue {
        case ENOSPC, EDQUOT: hint = "free space on its file system or write somewhere else"
        case EFBIG: hint = "the file grew beyond what its file system allows; export less (--limit) or elsewhere"
        case EACCES, EPERM, EROFS: hint = "check that it is writable by this user"
        case ENOENT, ENOTDIR: hint = "check that its directory exists"
        case EISDIR: hint = "name a file, not a directory"
        default: hint = "check the path and its file system"
        }
        return "cannot \(operation) \(path): \(errno) (\(hint))"
    }
}

/// A file a command writes its output to (a pcap, a send log, a benchmark log).
///
/// Opened with `open(2)` (`O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC`), never written beside and renamed
/// over the path (as `FileManager.createFile(atPath:)` does): a device node such as `/dev/null` or
/// `/dev/full` stays a device, a symlink is followed, a hard link stays linked and an existing file
/// keeps its owner and mode. Every write is checked and retried until complete, so a full disk or
/// `/dev/full` is an error rather than a silently short file. One owner of the descriptor: this object.
public final class OutputFile {
    /// The path as given.
    public let path: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0
    private var fd: Int32
    /// The open descriptor, lent to hand it to a child process as its output; -1 once closed.
    /// This object stays its owner: do not close it.
    public var descriptor: Int32 { fd }
    /// Whether the path is a regular file (only those are synced and removed by ``abandon()``).
    private let isRegular: Bool

    /// Opens (creating or truncating) `path` for writing.
    public init(path: String) throws(OutputFileError) {
        self.path = path
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0o666)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw OutputFileError(path: path, operation: "open", errno: .current) }
        var info = stat()
        isRegular = fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        fd = descriptor
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Writes all of `bytes`, continuing after short writes and retrying after signals.
    public func write(_ bytes: [UInt8]) throws(OutputFileError) {
        guard fd >= 0 else { throw OutputFileError(path: path, operation: "write", errno: Errno(rawValue: EBADF)) }
        var failure: Errno?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    // A zero-byte write of a non-empty buffer is a device refusing data: report it as full.
                    failure = written == 0 ? Errno(rawValue: ENOSPC) : .current
                    return
                }
                offset += written
                bytesWritten += written
            }
        }
        if let failure { throw OutputFileError(path: path, operation: "write", errno: failure) }
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) throws(OutputFileError) { try write(Array(text.utf8)) }

    /// Flushes a regular file to disk (so a late ENOSPC or I/O error is reported here) and closes it.
    public func close() throws(OutputFileError) {
        guard fd >= 0 else { return }
        let descriptor = fd
        fd = -1
        if isRegular && fsync(descriptor) != 0 && errno != EINVAL {
            let failure = Errno.current
            Glibc.close(descriptor)
            throw OutputFileError(path: path, operation: "write", errno: failure)
        }
        if Glibc.close(descriptor) != 0 && errno != EINTR {
            throw OutputFileError(path: path, operation: "close", errno: .current)
        }
    }

    /// After a failed write: closes the file and, when the path is still the regular file this
    /// object wrote, removes it, so no truncated output is left looking complete. Returns whether
    /// it removed the file. A device or FIFO is only closed, never removed.
    @discardableResult
    public func abandon() -> Bool {
        var removed = false
        if fd >= 0 {
            var opened = stat()
            var named = stat()
            if isRegular && fstat(fd, &opened) == 0 && lstat(path, &named) == 0
                && opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
            {
                removed = unlink(path) == 0
            }
            Glibc.close(fd)
            fd = -1
        }
        return removed
    }
}
