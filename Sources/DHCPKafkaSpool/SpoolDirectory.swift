import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Checks (and for writers creates) the spool directory, with errors an operator can act on.
enum SpoolDirectory {
    /// Ensures `path` is a writable directory, creating it if its parent exists.
    static func prepareForWriting(_ path: String) throws(SpoolError) {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            guard err == ENOENT else {
                throw SpoolError(code: .io, message: "cannot inspect spool directory \(path)",
                                 cause: SpoolError.SystemCallError("stat", Errno(rawValue: err)))
            }
            if mkdir(path, 0o750) != 0 {
                let err = errno
                let parent = parentOf(path)
                switch err {
                case ENOENT, ENOTDIR:
                    throw SpoolError(code: .directoryMissing,
                        message: "cannot create spool directory \(path): its parent \(parent) does not "
                            + "exist; create the parent or use another --spool directory",
                        cause: SpoolError.SystemCallError("mkdir", Errno(rawValue: err)))
                case EROFS, EACCES, EPERM:
                    throw SpoolError(code: .notWritable,
                        message: "cannot create spool directory \(path): \(parent) is not writable; "
                            + "fix its permissions or mount, or use another --spool directory",
                        cause: SpoolError.SystemCallError("mkdir", Errno(rawValue: err)))
                default:
                    throw SpoolError(code: .io, message: "cannot create spool directory \(path)",
                                     cause: SpoolError.SystemCallError("mkdir", Errno(rawValue: err)))
                }
            }
            return
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw SpoolError(code: .notADirectory,
                message: "spool path \(path) exists but is not a directory; remove it or use another "
                    + "--spool directory")
        }
        if access(path, W_OK | X_OK) != 0 {
            let err = errno
            let why = err == EROFS ? "read-only file system" : "permission denied"
            throw SpoolError(code: .notWritable,
                message: "spool directory \(path) is not writable (\(why)); fix it or use another "
                    + "--spool directory",
                cause: SpoolError.SystemCallError("access", Errno(rawValue: err)))
        }
    }

    /// Files a spool directory holds: LMDB's two, and the locks and status file the relay writes.
    static let spoolFileNames: Set<String> = ["data.mdb", "lock.mdb", "writer.lock", "forwarder.lock", "forwarder.status",
                                               "ingest.journal"]

    /// Refuses to adopt a directory that holds files but no spool (another program's data, a
    /// mistyped path such as /var/spool). Returns whether a spool database exists (a non-empty
    /// `data.mdb`), whose contents ``Spool/open(at:options:)`` then checks before writing.
    static func checkAdoptable(_ path: String) throws(SpoolError) -> Bool {
        if dataFileSize(path) > 0 { return true }
        guard let directory = opendir(path) else { return false }
        defer { closedir(directory) }
        var foreign: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // Foundation's atomic write of forwarder.status leaves a hidden temporary beside it.
            if name == "." || name == ".." || spoolFileNames.contains(name) || name.hasPrefix(".forwarder.status") { continue }
            foreign.append(name)
            if foreign.count == 3 { break }
        }
        guard foreign.isEmpty else {
            throw SpoolError(code: .notASpool,
                message: "\(path) is not empty and holds no dhcpkafka spool (it has "
                    + foreign.sorted().joined(separator: ", ") + "); give an empty or new directory, or an existing spool, as --spool")
        }
        return false
    }

    /// Ensures `path` holds a spool (`data.mdb`) for a read-only open.
    static func checkForReading(_ path: String) throws(SpoolError) {
        if access(path + "/data.mdb", R_OK) != 0 {
            let err = errno
            throw SpoolError(code: .noSpool,
                message: "no spool at \(path) (no readable data.mdb); check the --spool directory",
                cause: SpoolError.SystemCallError("access", Errno(rawValue: err)))
        }
    }

    /// The size of `data.mdb` in bytes, or 0 if it cannot be read.
    static func dataFileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path + "/data.mdb", &st) == 0 ? Int(st.st_size) : 0
    }

    private static func parentOf(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
