import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    /// The exit status (or 128 + signal number when killed by a signal).
    public let status: Int32
    /// Everything written to standard output.
    public let stdout: [UInt8]
    /// Everything written to standard error.
    public let stderr: [UInt8]

    /// Standard output as UTF-8 text.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error as UTF-8 text.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// A failure to start or finish a child process.
public struct SubprocessError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// Makes an error with a message.
    public init(description: String) { self.description = description }
}

/// Runs `executable` with `arguments`, feeding `stdin`, and waits for it, killing it after `timeout` seconds.
///
/// Output is collected concurrently so a chatty child never blocks on a full pipe.
public func runProcess(
    _ executable: URL, _ arguments: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
    currentDirectory: URL? = nil, timeout: Double = 120
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    do {
        try withUnblockedSignals { try process.run() }
    } catch {
        throw SubprocessError(description: "cannot start \(executable.path): \(error)")
    }
    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (pipe, isError) in [(output, false), (errors, true)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set([UInt8](data), isError: isError)
            group.leave()
        }
    }
    DispatchQueue.global().async {
        input.fileHandleForWriting.write(Data(stdin))
        try? input.fileHandleForWriting.close()
    }
    let deadline = DispatchTime.now() + timeout
    if group.wait(timeout: deadline) == .timedOut {
        process.terminate()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw SubprocessError(description: "\(executable.lastPathComponent) \(arguments) did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    let status =
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(status: status, stdout: collected.stdout, stderr: collected.stderr)
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out: [UInt8] = []
    private var err: [UInt8] = []

    func set(_ bytes: [UInt8], isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { err = bytes } else { out = bytes }
    }

    var stdout: [UInt8] { lock.withLock { out } }
    var stderr: [UInt8] { lock.withLock { err } }
}
