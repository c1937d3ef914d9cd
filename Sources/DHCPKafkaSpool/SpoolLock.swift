#if canImport(Glibc)
import Glibc
#endif

/// The writer lock: `flock(LOCK_EX | LOCK_NB)` on `<spool>/writer.lock`, holding the owner's pid.
///
/// `flock` locks belong to the open file description, so a second open in the same process is
/// refused too. The kernel drops the lock when the process dies, so a crash never leaves it stale.
final class SpoolLock {
    /// The lock file's descriptor, or -1 once released.
    private var fd: Int32
    /// The lock file's path.
    let path: String

    /// Takes the lock for `directory` or throws ``SpoolError/Code/heldByAnotherWriter`` naming the holder.
    init(directory: String, file: String = "writer.lock", holderName: String = "dhcpkafka run") throws(SpoolError) {
        path = directory + "/" + file
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let err = errno
            throw SpoolError(code: (err == EROFS || err == EACCES) ? .notWritable : .io,
                             message: "cannot create the writer lock file \(path); check that the spool "
                                + "directory is writable", cause: Errno(rawValue: err, function: "open"))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            let holder = Self.readPid(fd)
            close(fd)
            fd = -1
            let who = holder.map { "pid \($0)" } ?? "another process"
            throw SpoolError(code: .heldByAnotherWriter,
                             message: "spool at \(directory) is held by \(who) (\(holderName)?); stop it "
                                + "first or use another --spool directory",
                             cause: Errno(rawValue: err, function: "flock"))
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) != 0 || pwrite(fd, text, text.count, 0) != text.count {
            let err = errno
            close(fd)
            fd = -1
            throw SpoolError(code: err == ENOSPC ? .noSpace : .io,
                             message: "cannot write the pid into \(path)",
                             cause: Errno(rawValue: err, function: "pwrite"))
        }
    }

    deinit { release() }

    /// Releases the lock (closing the descriptor). Safe to call twice.
    func release() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    /// The pid written in the lock file, if readable.
    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        return Int(text.filter { $0.isNumber })
    }
}
