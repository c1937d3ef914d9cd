import DHCPKafkaSpool
import DHCPKafkaTestSupport
import Foundation
import Testing

/// Runs `body` and returns the ``SpoolError`` it throws, or records an issue if it does not throw one.
func spoolError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> SpoolError? {
    do {
        try body()
        Issue.record("expected a SpoolError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SpoolError {
        return error
    } catch {
        Issue.record("expected a SpoolError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A batch of `count` frames of `size` bytes; frame i starts with the big-endian UInt32 `tag + i`.
func makeBatch(count: Int, size: Int, tag: Int = 0, receivedAt: UInt64 = 1_000) -> SpoolBatch {
    var batch = SpoolBatch(reservingFrames: count, bytes: count * size)
    for i in 0..<count {
        var frame = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: max(size, 4))
        withUnsafeBytes(of: UInt32(tag + i).bigEndian) { frame.replaceSubrange(0..<4, with: $0) }
        batch.append(frame.prefix(size), receivedAt: receivedAt + UInt64(i))
    }
    return batch
}

/// Runs a command and returns its exit status.
@discardableResult
func runCommand(_ path: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    try SpawnGate.run { try process.run() }
    process.waitUntilExit()
    return process.terminationStatus
}

/// The test-only `spool-torture` helper executable, built next to the test bundle.
func tortureExecutable() -> String { siblingExecutable("spool-torture") }

/// An executable of this package (`spool-torture`, `dhcpkafka-bench`), built next to the test bundle.
func siblingExecutable(_ name: String) -> String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    let candidates = [
        URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent(name).path,
        FileManager.default.currentDirectoryPath + "/.build/debug/" + name,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
}

/// A running `spool-torture` child process with its stdout captured.
final class TortureChild {
    let process = Process()
    private let output = Pipe()

    /// Starts `spool-torture arguments…`.
    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: tortureExecutable())
        process.arguments = arguments
        process.standardOutput = output
        try SpawnGate.run { try process.run() }
    }

    /// The child's pid.
    var pid: Int32 { process.processIdentifier }

    /// Blocks until the child printed "ready" (true) or closed its output (false).
    func waitUntilReady() -> Bool {
        var seen = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            seen.append(chunk)
            if String(decoding: seen, as: UTF8.self).contains("ready\n") { return true }
        }
    }

    /// SIGKILLs the child, reaps it and returns everything it printed.
    @discardableResult
    func kill() -> String {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Opens the spool at `path` again after this process closed it. A process that a concurrent test
/// spawns at that moment shares the writer lock's file description (it is close-on-exec, but the
/// child holds it until it execs, which on a loaded machine takes a while), so the lock can still
/// read as held: wait for that to end, for up to 30 s, as a restarted daemon would. Any other
/// refusal is thrown at once.
func reopenSpool(at path: String, options: SpoolOptions = SpoolOptions()) throws -> Spool {
    let deadline = Date().addingTimeInterval(30)
    while true {
        let error: SpoolError
        do {
            return try Spool.open(at: path, options: options)
        } catch let caught {
            error = caught
        }
        // Only this test's own processes ever hold the spool, so a holder is transient: this
        // process's lock shared with a child another test is spawning (between its clone and
        // exec), or a killed child not yet gone. Once (CI, under load) the holder was another pid;
        // after 30 s the error names the holder's command line.
        guard error.code == .heldByAnotherWriter else { throw error }
        guard Date() < deadline else {
            let holder = Spool.writerPid(at: path)
            let command = holder.flatMap { try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8) }?
                .replacingOccurrences(of: "\0", with: " ") ?? "?"
            throw SpoolTestFailure("\(error) (holder \(holder.map(String.init) ?? "?"): \(command); this process is \(getpid()))")
        }
        usleep(20_000)
    }
}

/// A helper's failure with the facts needed to diagnose it.
struct SpoolTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
