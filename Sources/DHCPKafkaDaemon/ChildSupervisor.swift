import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a child process for the daemon's whole life (the forwarder), restarting it with
/// exponential backoff when it dies, and stopping it with SIGTERM on graceful shutdown.
///
/// Keeping the forwarder in its own process means a crash, hang or SIGKILL of the Kafka side
/// never stops ingest: the spool keeps accepting frames, and the restarted forwarder resumes
/// from the acknowledged watermark.
public struct ChildSupervisor: Service, CustomStringConvertible {
    /// The executable to run.
    public let executable: URL
    /// Its arguments.
    public let arguments: [String]
    /// Variables added to the child's environment (for values that must not be on its command line).
    public let environment: [String: String]
    /// A name for log lines.
    public let name: String
    /// How long to wait after SIGTERM before SIGKILL.
    public let stopTimeout: Duration
    let logger: Logger

    /// Describes a child to supervise.
    public init(
        executable: URL, arguments: [String], environment: [String: String] = [:], name: String, stopTimeout: Duration,
        logger: Logger
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
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
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        logger.info("started \(name)", metadata: ["pid": "\(pid)"])
        let stopTimeout = self.stopTimeout
        return await withGracefulShutdownHandler {
            var status: Int32 = -1
            for await value in exited.stream { status = value }
            return status
        } onGracefulShutdown: {
            stopping.set()
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + stopTimeout
            Thread.detachNewThread {
                while ContinuousClock.now < deadline {
                    if kill(pid, 0) != 0 { return }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                kill(pid, SIGKILL)
            }
        }
    }
}

/// Set once graceful shutdown asked the child to stop, so its exit is not mistaken for a crash.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
