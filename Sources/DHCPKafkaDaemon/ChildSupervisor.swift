import CSystemShims
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a child process for the daemon's whole life (the forwarder), restarting it with
/// exponential backoff when it dies, and stopping it with SIGTERM on graceful shutdown.
/// ``restart(arguments:environment:)`` replaces it with one started with new values (SIGHUP reload).
///
/// The child is signalled through a pidfd, never by its bare pid number: once it has exited and
/// been reaped, a later process that reuses the number is never hit. The child's environment
/// carries ``parentPIDVariable`` (this process's pid), so it can tell whether the process that
/// started it is still its parent (`dhcpkafka forward --exit-with-parent`).
///
/// Keeping the forwarder in its own process means a crash, hang or SIGKILL of the Kafka side
/// never stops ingest: the spool keeps accepting frames, and the restarted forwarder resumes
/// from the acknowledged watermark.
public struct ChildSupervisor: Service, CustomStringConvertible {
    /// The executable to run.
    public let executable: URL
    /// Its arguments (the latest given to ``restart(arguments:environment:)``).
    public var arguments: [String] { launch.state.withLock { $0.arguments } }
    /// Variables added to the child's environment (for values that must not be on its command line).
    public var environment: [String: String] { launch.state.withLock { $0.environment } }
    /// A name for log lines.
    public let name: String
    /// How long to wait after SIGTERM before SIGKILL.
    public let stopTimeout: Duration
    let logger: Logger
    /// Shared by every copy of this supervisor: what to start next and the child running now.
    private let launch: LaunchState

    /// Describes a child to supervise.
    public init(
        executable: URL, arguments: [String], environment: [String: String] = [:], name: String, stopTimeout: Duration,
        logger: Logger
    ) {
        self.executable = executable
        self.launch = LaunchState(arguments: arguments, environment: environment)
        self.name = name
        self.stopTimeout = stopTimeout
        self.logger = logger
    }

    /// The environment variable that tells the child which pid started it.
    public static let parentPIDVariable = "DHCPKAFKA_PARENT_PID"

    /// The child's name only: arguments and environment stay out of logs.
    public var description: String { "ChildSupervisor(\(name))" }

    /// Starts the child and keeps it running until graceful shutdown.
    public func run() async throws {
        var delay = Duration.seconds(1)
        let stopping = StopFlag()
        while !stopping.isSet && !Task.isCancelled {
            let started = ContinuousClock.now
            let status = try await runOnce(stopping: stopping)
            if stopping.isSet || Task.isCancelled { break }
            if launch.takeRestartRequest() {
                logger.notice("\(name) stopped for a restart; starting it with the new configuration")
                delay = .seconds(1)
                continue
            }
            if ContinuousClock.now - started > .seconds(60) { delay = .seconds(1) }
            logger.error("\(name) exited unexpectedly; restarting it", metadata: ["status": "\(status)", "in": "\(delay)"])
            let wait = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            // A shutdown during the backoff ends it; starting the child only to stop it at once would
            // make a forwarder connect to Kafka while the daemon stops.
            if Task.isShuttingDownGracefully { break }
            delay = min(delay * 2, .seconds(30))
        }
    }

    /// Runs the child until it exits; on graceful shutdown sends SIGTERM (then SIGKILL after the timeout).
    private func runOnce(stopping: StopFlag) async throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        let child = try launch.started { arguments, environment in
            process.arguments = arguments
            var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            variables[Self.parentPIDVariable] = String(getpid())
            process.environment = variables
            try process.run()
            return ChildHandle(process)
        }
        let pid = process.processIdentifier
        defer { launch.exited() }
        logger.info("started \(name)", metadata: ["pid": "\(pid)"])
        let stopTimeout = self.stopTimeout
        // Cancellation (another service of the group failed) stops the child as graceful shutdown
        // does: the group runs no graceful-shutdown handler then, and the stream ends at once.
        return await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                var status: Int32 = -1
                for await value in exited.stream { status = value }
                return status
            } onGracefulShutdown: {
                stopping.set()
                Self.terminate(child, timeout: stopTimeout)
            }
        } onCancel: {
            stopping.set()
            Self.terminate(child, timeout: stopTimeout)
        }
    }

    /// Stops the running child gracefully and starts it again at once with `arguments` and
    /// `environment` (the forwarder saves its watermark on SIGTERM, and frames leave the spool only
    /// once Kafka acknowledged them, so nothing is lost). Without a running child, the next start
    /// uses the new values.
    public func restart(arguments: [String], environment: [String: String]) {
        if let child = launch.replace(arguments: arguments, environment: environment) {
            Self.terminate(child, timeout: stopTimeout)
        }
    }

    /// SIGTERM, then SIGKILL if the child has not exited after `timeout` (waiting on its pidfd).
    private static func terminate(_ child: ChildHandle, timeout: Duration) {
        child.signal(SIGTERM)
        Thread.detachNewThread {
            let milliseconds = Int32(clamping: timeout.components.seconds * 1000
                + timeout.components.attoseconds / 1_000_000_000_000_000)
            if !child.waitForExit(timeoutMs: milliseconds) { child.signal(SIGKILL) }
        }
    }
}

/// One started child: its `Process` and a pidfd for it, which this object owns and closes.
final class ChildHandle: @unchecked Sendable {
    private let process: Process
    /// -1 when the kernel has no pidfds (before 5.3) or the child was gone before it was opened.
    private let pidfd: Int32

    /// Opens a pidfd for the just-started `process`. If it has already been reaped the number may
    /// belong to another process by now, so the pidfd is only kept while `process` still runs.
    init(_ process: Process) {
        self.process = process
        let fd = dk_pidfd_open(process.processIdentifier)
        if fd >= 0 && !process.isRunning {
            close(fd)
            pidfd = -1
        } else {
            pidfd = fd
        }
    }

    deinit { if pidfd >= 0 { close(pidfd) } }

    /// The child's pid, for log lines.
    var pid: pid_t { process.processIdentifier }

    /// Sends `signal` to the child if it still exists; never to a process that reused its number.
    func signal(_ signal: Int32) {
        if pidfd >= 0 {
            _ = dk_pidfd_send_signal(pidfd, signal)
        } else if process.isRunning {
            // No pidfd (old kernel): Foundation has not reaped the child, so the number is still its.
            kill(process.processIdentifier, signal)
        }
    }

    /// Waits up to `timeoutMs` for the child to exit; true once it has.
    func waitForExit(timeoutMs: Int32) -> Bool {
        if pidfd >= 0 { return dk_pidfd_wait_exit(pidfd, timeoutMs) != 0 }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning
    }
}

/// What the supervisor starts next and which child runs now, shared between its run loop and
/// ``ChildSupervisor/restart(arguments:environment:)`` (called from the SIGHUP handler).
private final class LaunchState: Sendable {
    struct Values {
        var arguments: [String]
        var environment: [String: String]
        /// The running child, if any.
        var child: ChildHandle?
        /// Set by a restart while a child runs, so its exit is not taken for a crash.
        var restartRequested = false
    }

    let state: Mutex<Values>

    init(arguments: [String], environment: [String: String]) {
        state = Mutex(Values(arguments: arguments, environment: environment))
    }

    /// Runs `start` with the current arguments and environment (it returns the child) with the
    /// lock held, so a concurrent restart either stops the new child or its values reach it.
    func started(_ start: ([String], [String: String]) throws -> ChildHandle) throws -> ChildHandle {
        try state.withLock { values in
            let child = try start(values.arguments, values.environment)
            values.child = child
            values.restartRequested = false
            return child
        }
    }

    func exited() { state.withLock { $0.child = nil } }

    /// Stores new values; returns the child to stop, if one runs.
    func replace(arguments: [String], environment: [String: String]) -> ChildHandle? {
        state.withLock { values in
            values.arguments = arguments
            values.environment = environment
            values.restartRequested = values.child != nil
            return values.child
        }
    }

    /// Whether the child that just exited was stopped by a restart (and clears that).
    func takeRestartRequest() -> Bool {
        state.withLock { values in
            defer { values.restartRequested = false }
            return values.restartRequested
        }
    }
}

/// Set once graceful shutdown asked the child to stop, so its exit is not mistaken for a crash.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
