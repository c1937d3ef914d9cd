import ArgumentParser
import Foundation

/// Runs a walk over possibly damaged LMDB pages in a child process (this executable again), so a
/// damaged page that crashes LMDB (SIGSEGV, SIGBUS) ends the child, not the command, and the
/// parent reports it as a corrupt spool. LMDB trusts the pages it maps; random bit flips in
/// `data.mdb` can make it follow a wild pointer before any check of ours runs.
enum CrashIsolation {
    /// Set (to 1) in the environment of the child.
    static let childVariable = "DHCPKAFKA_CRASH_ISOLATED"

    /// True inside the child.
    static var isChild: Bool { ProcessInfo.processInfo.environment[childVariable] == "1" }

    /// How the child ended.
    enum Outcome: Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal (e.g. SIGSEGV, SIGBUS) killed it.
        case crashed(Int32)
    }

    /// Runs this command again in a child, unless this is the child. In the child: prepares it and
    /// returns true (do the work). In the parent: returns false when the child exited 0, throws its
    /// status when it exited otherwise, and when a signal killed it lets `crashed` report the signal
    /// and exits 1.
    static func runsHere(crashed: (Int32) -> Void) throws -> Bool {
        if isChild {
            prepareChild()
            return true
        }
        let (outcome, _) = try run(Array(CommandLine.arguments.dropFirst()))
        switch outcome {
        case .exited(0): return false
        case .exited(let status): throw ExitCode(status)
        case .crashed(let signal):
            crashed(signal)
            throw ExitCode(1)
        }
    }

    /// In the child: no core dump and no Swift backtrace for the crash the parent expects and reports.
    static func prepareChild() {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        limit.rlim_cur = 0
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
    }

    /// Runs this executable with `arguments` in a child; its stdout goes to ours, or with `capture`
    /// into the returned text (at most 1 MiB), its stderr always to ours.
    static func run(_ arguments: [String], capture: Bool = false) throws -> (Outcome, String) {
        let process = Process()
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment[childVariable] = "1"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let pipe = capture ? Pipe() : nil
        if let pipe { process.standardOutput = pipe }
        do { try process.run() } catch {
            throw CLIError("cannot start \(executable) to check the spool in a child process: \(error)")
        }
        var output = Data()
        if let pipe {
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if output.count < 1 << 20 { output.append(chunk.prefix((1 << 20) - output.count)) }
            }
        }
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        if process.terminationReason == .uncaughtSignal { return (.crashed(process.terminationStatus), text) }
        return (.exited(process.terminationStatus), text)
    }

    /// The name of a signal, e.g. `SIGSEGV`.
    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGABRT: return "SIGABRT"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGTRAP: return "SIGTRAP"
        case SIGKILL: return "SIGKILL"
        default: return "signal \(signal)"
        }
    }

    /// What to say about a spool whose walk crashed the child.
    static func corruptMessage(path: String, signal: Int32) -> String {
        "spool at \(path) is corrupt: reading its data.mdb crashed the checking process (\(signalName(signal))), "
            + "so LMDB's pages are damaged. Stop the daemon, move the directory aside (keep it for analysis) and "
            + "start the daemon on an empty directory; `dhcpkafka spool salvage --spool \(path) --into NEWDIR` "
            + "may recover frames from the undamaged pages (see docs/runbook.md, \"A damaged spool\")"
    }
}
