import SystemPackage
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
        switch errno {
        case .noSpace, .diskQuotaExceeded: hint = "free space on its file system or write somewhere else"
        case .fileTooLarge: hint = "the file grew beyond what its file system allows; export less (--limit) or elsewhere"
        case .permissionDenied, .notPermitted, .readOnlyFileSystem: hint = "check that it is writable by this user"
        case .noSuchFileOrDirectory, .notDirectory: hint = "check that its directory exists"
        case .isDirectory: hint = "name a file, not a directory"
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
    /// The open file; this object is its one owner (``close()``, ``abandon()`` or `deinit` closes it once).
    private var fd: FileDescriptor?
    /// The open descriptor, lent to hand it to a child process as its output; -1 once closed.
    /// This object stays its owner: do not close it.
    public var descriptor: Int32 { fd?.rawValue ?? -1 }
    /// Whether the path is a regular file (only those are synced and removed by ``abandon()``).
    private let isRegular: Bool

    /// Opens (creating or truncating) `path` for writing.
    public init(path: String) throws(OutputFileError) {
        self.path = path
        let opened = Errno.result {
            try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)],
                permissions: FilePermissions(rawValue: 0o666), retryOnInterrupt: true)
        }
        let descriptor: FileDescriptor
        switch opened {
        case .success(let open): descriptor = open
        case .failure(let error): throw OutputFileError(path: path, operation: "open", errno: error)
        }
        var info = stat()
        isRegular = fstat(descriptor.rawValue, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        fd = descriptor
    }

    deinit { try? fd?.close() }

    /// Writes all of `bytes`, continuing after short writes and retrying after signals.
    public func write(_ bytes: [UInt8]) throws(OutputFileError) {
        guard let fd else { throw OutputFileError(path: path, operation: "write", errno: .badFileDescriptor) }
        var failure: Errno?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                switch Errno.result(of: {
                    try fd.write(UnsafeRawBufferPointer(rebasing: buffer[offset...]), retryOnInterrupt: true)
                }) {
                case .success(let written) where written > 0:
                    offset += written
                    bytesWritten += written
                case .success:
                    // A zero-byte write of a non-empty buffer is a device refusing data: report it as full.
                    failure = .noSpace
                    return
                case .failure(let error):
                    failure = error
                    return
                }
            }
        }
        if let failure { throw OutputFileError(path: path, operation: "write", errno: failure) }
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) throws(OutputFileError) { try write(Array(text.utf8)) }

    /// Flushes a regular file to disk (so a late ENOSPC or I/O error is reported here) and closes it.
    public func close() throws(OutputFileError) {
        guard let descriptor = fd else { return }
        fd = nil
        if isRegular && fsync(descriptor.rawValue) != 0 && Errno.last != .invalidArgument {
            let failure = Errno.last
            try? descriptor.close()
            throw OutputFileError(path: path, operation: "write", errno: failure)
        }
        // close(2) is never retried: after EINTR the descriptor is gone already (Linux).
        if case .failure(let error) = Errno.result(of: { try descriptor.close() }), error != .interrupted {
            throw OutputFileError(path: path, operation: "close", errno: error)
        }
    }

    /// After a failed write: closes the file and, when the path is still the regular file this
    /// object wrote, removes it, so no truncated output is left looking complete. Returns whether
    /// it removed the file. A device or FIFO is only closed, never removed.
    @discardableResult
    public func abandon() -> Bool {
        var removed = false
        if let descriptor = fd {
            var opened = stat()
            var named = stat()
            if isRegular && fstat(descriptor.rawValue, &opened) == 0 && lstat(path, &named) == 0
                && opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
            {
                removed = unlink(path) == 0
            }
            fd = nil
            try? descriptor.close()
        }
        return removed
    }
}
