import Foundation

/// A long-running child process (the daemon, a load generator) that a test starts, signals and
/// always reaps: `deinit` SIGKILLs it if the test forgot or failed, so no process outlives a test.
public final class ChildProcess: @unchecked Sendable {
    /// The underlying process.
    public let process = Process()
    /// Where its standard error goes.
    public let logPath: String
    private let stdout = Pipe()

    /// Starts `executable` with `arguments`; standard error goes to `logPath`, standard output is kept
    /// (read it with ``standardOutput()`` after exit), or, with `standardOutputToLog`, also goes to
    /// `logPath`: use that for chatty long-running children, whose output would otherwise fill the pipe
    /// and block them. `environment` entries are added to (or replace those of) the test's environment.
    public init(
        _ executable: URL, _ arguments: [String], logPath: String, currentDirectory: String? = nil,
        environment: [String: String]? = nil, standardOutputToLog: Bool = false
    ) throws {
        self.logPath = logPath
        HostSettings.rememberOriginalValues()  // a daemon raises net.unix.max_dgram_qlen; restored at exit
        let log = try openLogFile(logPath)
        process.executableURL = executable
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardError = log
        process.standardOutput = standardOutputToLog ? log : stdout
        process.standardInput = FileHandle.nullDevice
        try withUnblockedSignals { try process.run() }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the process.
    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGKILLs the process and waits for it.
    public func killHard() {
        signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Waits up to `timeout` seconds for the process to exit; returns its status, or `nil` if still running.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// Everything the process wrote to standard output (call after it exited).
    public func standardOutput() -> String {
        String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Its standard-error log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Opens `path` for a child's output with open(2): a regular file is created or truncated, anything
/// else (`/dev/null`, a FIFO) is opened as it is. Never `FileManager.createFile(atPath:)`, which writes
/// a temporary file and renames it over the path: run as root, that replaced `/dev/null` with a file.
public func openLogFile(_ path: String) throws -> FileHandle {
    var info = stat()
    let special = lstat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (special ? 0 : O_TRUNC)
    let fd = open(path, flags, 0o644)
    guard fd >= 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(.init(rawValue: errno) ?? .EIO)])
    }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
}

/// Polls `condition` every 10 ms for up to `timeout` seconds.
public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Polls `condition` every 10 ms (without blocking a thread) until it holds or `seconds` passed.
public func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Whether a Unix socket file exists at `path`.
public func socketExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
}

/// A raw Unix datagram socket bound at `path` (a notification listener, a socket file left behind
/// by a dead owner), or -1 when it cannot be bound. The caller closes it; the file stays.
public func bindUnixDatagramSocket(at path: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { return -1 }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else {
        close(fd)
        return -1
    }
    return fd
}
