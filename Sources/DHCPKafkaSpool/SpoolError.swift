import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// An error from the spool: a broad ``Code``, a message for the operator that says what to do,
/// the underlying cause (an LMDB or `errno` failure) and where it was thrown.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// A broad classification of spool errors; match with `==` or `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The text name of the code, e.g. `heldByAnotherWriter`.
        public var description: String { name }

        /// The spool directory's parent does not exist, so the directory cannot be created.
        public static let directoryMissing = Code("directoryMissing")
        /// The spool path exists but is not a directory.
        public static let notADirectory = Code("notADirectory")
        /// The directory or its files cannot be written (permissions or a read-only file system).
        public static let notWritable = Code("notWritable")
        /// Another process (or another ``Spool`` in this process) holds the writer lock.
        public static let heldByAnotherWriter = Code("heldByAnotherWriter")
        /// A writer was pointed at a directory that holds something other than a spool (another
        /// program's files or LMDB database); it refuses to adopt it.
        public static let notASpool = Code("notASpool")
        /// There is no spool at the path (read-only opens never create one).
        public static let noSpool = Code("noSpool")
        /// A frame is larger than the whole ring (``Spool/maxFrameSize``); nothing was written.
        public static let frameTooLarge = Code("frameTooLarge")
        /// The file system is full (`ENOSPC`/`EDQUOT`); nothing was written, retry when space returns.
        public static let noSpace = Code("noSpace")
        /// The map is full and evicting did not help because a reader pins old pages.
        public static let spaceExhausted = Code("spaceExhausted")
        /// The operation writes but the spool was opened read-only.
        public static let readOnly = Code("readOnly")
        /// A sequence number asked for is not stored.
        public static let notFound = Code("notFound")
        /// An argument was invalid (e.g. a counter name too long).
        public static let invalidArgument = Code("invalidArgument")
        /// The spool files are damaged or of an unknown format.
        public static let corrupt = Code("corrupt")
        /// The spool was closed.
        public static let closed = Code("closed")
        /// Any other I/O or LMDB failure; see ``SpoolError/cause``.
        public static let io = Code("io")
    }

    /// The broad kind of error.
    public var code: Code
    /// What went wrong and what to do about it, for an operator.
    public var message: String
    /// The underlying error (an LMDB or `errno` failure), if any.
    public var cause: (any Error & Sendable)?
    /// Where the error was thrown, as `file:line`.
    public var location: String

    /// Creates an error; `location` defaults to the caller's file and line.
    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    /// `message (cause)`: plain words for the operator (``code`` is for programs, not for people).
    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}

extension SpoolError {
    /// A failed system call as an error's ``SpoolError/cause``: which call, and the `errno` it set
    /// (as swift-nio's `FileSystemError.SystemCallError` does).
    public struct SystemCallError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The system call that failed, e.g. `open`.
        public var systemCall: String
        /// The error it returned.
        public var errno: Errno

        /// Wraps the `errno` that `systemCall` failed with.
        public init(_ systemCall: String, _ errno: Errno) {
            self.systemCall = systemCall
            self.errno = errno
        }

        /// `call: strerror (errno N)`, e.g. `open: Permission denied (errno 13)`.
        public var description: String { "\(systemCall): \(errno) (errno \(errno.rawValue))" }
    }
}


extension SpoolError {
    /// Maps an LMDB failure to a spool error once, with a message naming the spool and the remedy.
    init(lmdb error: LMDBError, path: String, doing what: String,
         file: String = #fileID, line: Int = #line) {
        // LMDB reports a short write at commit as EIO; on a (nearly) full file system that is ENOSPC.
        let full = error.code == .ioError && Self.fileSystemNearlyFull(path)
        switch error.code {
        case _ where full, .noSpace, .quotaExceeded:
            self.init(code: .noSpace, message: "spool at \(path) is out of disk space while \(what); nothing "
                + "was written. Free space on that file system. (A smaller "
                + "--capacity does not help now: data.mdb never shrinks; it only bounds how far the file grows)",
                cause: error, file: file, line: line)
        case .readOnlyFileSystem, .accessDenied:
            self.init(code: .notWritable, message: "spool at \(path) is not writable while \(what); "
                + "check permissions and that the file system is mounted read-write",
                cause: error, file: file, line: line)
        case .corrupted, .invalid, .versionMismatch, .panic, .pageNotFound, .incompatible, .badValueSize:
            self.init(code: .corrupt, message: "spool at \(path) is damaged or not an LMDB spool while "
                + "\(what); move it aside and start with an empty spool directory (`dhcpkafka spool salvage "
                + "--spool \(path) --into NEWDIR` copies the frames that can still be read)",
                cause: error, file: file, line: line)
        case .mapFull:
            self.init(code: .spaceExhausted, message: "spool at \(path) is full while \(what) and evicting "
                + "old frames did not free space; a long read transaction may pin old pages",
                cause: error, file: file, line: line)
        default:
            self.init(code: .io, message: "spool at \(path) failed while \(what)",
                cause: error, file: file, line: line)
        }
    }

    /// True if the file system holding `path` has less than 1 MiB available.
    static func fileSystemNearlyFull(_ path: String) -> Bool {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return false }
        return UInt64(fs.f_bavail) * UInt64(fs.f_frsize) < 1 << 20
    }
}
