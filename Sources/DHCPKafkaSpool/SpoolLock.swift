import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The writer lock: `flock(LOCK_EX | LOCK_NB)` on `<spool>/writer.lock`, holding the owner's pid.
///
/// `flock` locks belong to the open file description, so a second open in the same process is
/// refused too. The kernel drops the lock when the process dies, so a crash never leaves it stale.
final class SpoolLock {
    /// The lock file's descriptor, `nil` once released; this object is its one owner.
    private var descriptor: FileDescriptor?
    /// The lock file's path.
    let path: String

    /// Takes the lock for `directory` or throws ``SpoolError/Code/heldByAnotherWriter`` naming the holder.
    init(directory: String, file: String = "writer.lock", holderName: String = "dhcpkafka run") throws(SpoolError) {
        path = directory + "/" + file
        let fd: FileDescriptor
        switch Self.systemCall("open", {
            try FileDescriptor.open(
                FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: FilePermissions(rawValue: 0o644))
        }) {
        case .success(let opened): fd = opened
        case .failure(let error):
            throw SpoolError(code: (error.errno == .readOnlyFileSystem || error.errno == .permissionDenied) ? .notWritable : .io,
                             message: "cannot create the writer lock file \(path); check that the spool "
                                + "directory is writable", cause: error)
        }
        if flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let error = SpoolError.SystemCallError("flock", Errno(rawValue: errno))
            let holder = Self.readPid(fd)
            try? fd.close()
            let who = holder.map { "pid \($0)" } ?? "another process"
            throw SpoolError(code: .heldByAnotherWriter,
                             message: "spool at \(directory) is held by \(who) (\(holderName)?); stop it "
                                + "first or use another --spool directory",
                             cause: error)
        }
        let text = Array("\(getpid())\n".utf8)
        let written = Self.systemCall("ftruncate") { try fd.resize(to: 0) }.flatMap { _ in
            Self.systemCall("pwrite") { try fd.writeAll(toAbsoluteOffset: 0, text) }
        }
        if case .failure(let error) = written {
            try? fd.close()
            throw SpoolError(code: error.errno == .noSpace ? .noSpace : .io,
                             message: "cannot write the pid into \(path)", cause: error)
        }
        descriptor = fd
    }

    deinit { release() }

    /// Releases the lock (closing the descriptor). Safe to call twice.
    func release() {
        guard let descriptor else { return }
        self.descriptor = nil
        try? descriptor.close()
    }

    /// Runs one of swift-system's calls (they throw only `Errno`, declared as untyped `throws`),
    /// naming the system call for the error's cause.
    private static func systemCall<R>(
        _ name: String, _ body: () throws -> R
    ) -> Result<R, SpoolError.SystemCallError> {
        do { return .success(try body()) } catch {
            return .failure(SpoolError.SystemCallError(name, error as? Errno ?? .ioError))
        }
    }

    /// The pid written in the lock file, if readable.
    private static func readPid(_ fd: FileDescriptor) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        guard let n = try? buffer.withUnsafeMutableBytes({ try fd.read(fromAbsoluteOffset: 0, into: $0) }), n > 0 else {
            return nil
        }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        return Int(text.filter { $0.isNumber })
    }
}
