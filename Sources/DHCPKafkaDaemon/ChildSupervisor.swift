import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a child process for the daemon's whole life (the forwarder), restarting it with
/// exponential backoff when it dies, and stopping it with SIGTERM on graceful shutdown.
/// ``restart(arguments:environment:)`` replaces it with one started with new values (SIGHUP reload).
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
        try launch.started { arguments, environment in
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            try process.run()
            return process.processIdentifier
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
                Self.terminate(pid, timeout: stopTimeout)
            }
        } onCancel: {
            stopping.set()
            Self.terminate(pid, timeout: stopTimeout)
        }
    }

    /// Stops the running child gracefully and starts it again at once with `arguments` and
    /// `environment` (the forwarder saves its watermark on SIGTERM, and frames leave the spool only
    /// once Kafka acknowledged them, so nothing is lost). Without a running child, the next start
    /// uses the new values.
    public func restart(arguments: [String], environment: [String: String]) {
        if let pid = launch.replace(arguments: arguments, environment: environment) {
            Self.terminate(pid, timeout: stopTimeout)
        }
    }

    /// SIGTERM, then SIGKILL if the child is still there after `timeout`.
    private static func terminate(_ pid: pid_t, timeout: Duration) {
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        Thread.detachNewThread {
            while ContinuousClock.now < deadline {
                if kill(pid, 0) != 0 { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            kill(pid, SIGKILL)
        }
    }
}

/// What the supervisor starts next and which child runs now, shared between its run loop and
/// ``ChildSupervisor/restart(arguments:environment:)`` (called from the SIGHUP handler).
private final class LaunchState: Sendable {
    struct Values {
        var arguments: [String]
        var environment: [String: String]
        /// The running child, if any.
        var pid: pid_t?
        /// Set by a restart while a child runs, so its exit is not taken for a crash.
        var restartRequested = false
    }

    let state: Mutex<Values>

    init(arguments: [String], environment: [String: String]) {
        state = Mutex(Values(arguments: arguments, environment: environment))
    }

    /// Runs `start` with the current arguments and environment (it returns the child's pid) with
    /// the lock held, so a concurrent restart either stops the new child or its values reach it.
    func started(_ start: ([String], [String: String]) throws -> pid_t) throws {
        try state.withLock { values in
            values.pid = try start(values.arguments, values.environment)
            values.restartRequested = false
        }
    }

    func exited() { state.withLock { $0.pid = nil } }

    /// Stores new values; returns the pid to stop, if a child runs.
    func replace(arguments: [String], environment: [String: String]) -> pid_t? {
        state.withLock { values in
            values.arguments = arguments
            values.environment = environment
            values.restartRequested = values.pid != nil
            return values.pid
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
