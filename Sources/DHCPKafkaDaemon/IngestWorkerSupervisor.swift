import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps the ingest worker running on a socket this process holds: `dhcpkafka run`'s supervising
/// parent. The socket (and its queue) belongs to the parent; the worker gets it as systemd would
/// pass it (`LISTEN_FDS`), reads it, commits to the spool, and removes datagrams from the queue
/// only once they are committed. When the worker dies (SIGKILL, a crash, OOM) the parent starts a
/// new one at once on the same descriptor: writers never see "connection refused", and the
/// datagrams that were queued are read by the successor.
///
/// Crash loops back off (after three quick deaths in a row, 50 ms doubling to 5 s until a worker
/// lives a second); every restart is counted (``restarts``) and passed to the new worker, which adds it to the spool's persisted
/// `ingest_restarts` counter. A worker that exits before it was ready (bad spool, bad settings)
/// ends the supervisor with its status: restarting cannot fix that.
///
/// Graceful shutdown: `beforeStop` runs first (the parent shuts the socket it owns, so no new
/// datagram is queued), then SIGTERM through the worker's pidfd, repeated each second (a worker
/// still starting ignores it until it has trapped it), SIGKILL after `stopTimeout`. The worker
/// reads the queue empty, commits and exits. Cancellation does the same.
public struct IngestWorkerSupervisor: Service, CustomStringConvertible {
    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let socket: Int32
    let stopTimeout: Duration
    let beforeStop: @Sendable () -> Void
    let logger: Logger
    private let shared = WorkerSlot()

    /// Describes the worker: this executable with `arguments` (`ingest-worker`), an
    /// environment, and the socket descriptor to pass.
    public init(
        executable: String, arguments: [String], environment: [String: String], socket: Int32, stopTimeout: Duration,
        beforeStop: @escaping @Sendable () -> Void, logger: Logger
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.socket = socket
        self.stopTimeout = stopTimeout
        self.beforeStop = beforeStop
        self.logger = logger
    }

    /// The variable that marks a process as the ingest worker (its value: restarts so far).
    public static let workerVariable = "DHCPKAFKA_INGEST_WORKER"

    /// Log name only.
    public var description: String { "IngestWorkerSupervisor" }

    /// Restarts after a crash since start.
    public var restarts: UInt64 { shared.restarts.load(ordering: .relaxed) }

    /// Hands the workers a new configuration: `value` becomes variable `name` in the environment of
    /// workers started from now on, and goes to the running worker as one message on its control
    /// channel (``WorkerControl``). A worker being started at the same time gets it either way.
    public func reconfigure(_ name: String, _ value: String) {
        shared.worker.withLock { worker in
            shared.environment.withLock { $0[name] = value }
            if let worker, !worker.sendControl(Array(value.utf8)) {
                logger.warning("the ingest worker did not take its new configuration; it applies it when it is restarted",
                               metadata: ["pid": "\(worker.pid)"])
            }
        }
    }

    /// Returns once the first worker is ready: it has opened the spool (and, after an unclean stop,
    /// bumped its epoch), so the forwarder may read it.
    public func waitUntilReady() async { await shared.ready.wait() }

    /// Releases whoever waits for readiness (a shutdown came first).
    func openForShutdown() { shared.ready.open() }

    /// Runs the worker until graceful shutdown or cancellation; restarts it when it dies.
    public func run() async throws {
        var delay = Duration.zero
        var everReady = false
        var quickDeaths = 0
        var first = true
        let stopping = StopFlag()
        while true {
            // Counted when the successor starts, so the count is the restarts that happened.
            if !first { shared.restarts.add(1, ordering: .relaxed) }
            first = false
            var variables = environment.merging(shared.environment.withLock { $0 }) { $1 }.filter { !$0.value.isEmpty }
            variables[Self.workerVariable] = String(restarts)
            variables[ChildSupervisor.parentPIDVariable] = String(getpid())
            let started = ContinuousClock.now
            let (executable, arguments, socket, shared, logger) = (self.executable, self.arguments, self.socket, self.shared, self.logger)
            let stopTimeout = self.stopTimeout
            let environment = variables
            // One thread starts the worker, waits for it and reaps it: the worker dies with that
            // thread (PR_SET_PDEATHSIG), so it must live exactly as long as the worker.
            let outcome: Result<(pid: pid_t, ready: Bool, status: Int32), SupervisorError> = await withTaskCancellationHandler {
                await withGracefulShutdownHandler {
                    await Self.blocking {
                        let worker: WorkerProcess
                        do throws(SupervisorError) {
                            worker = try WorkerProcess(
                                executable: executable, arguments: arguments, environment: environment, sockets: [(socket, "ingest")])
                        } catch {
                            return .failure(error)
                        }
                        shared.worker.withLock { slot in
                            slot = worker
                            // A configuration handed over while this worker was being started.
                            for (name, value) in shared.environment.withLock({ $0 }) where environment[name] != value {
                                _ = worker.sendControl(Array(value.utf8))
                            }
                        }
                        logger.info("started the ingest worker", metadata: ["pid": "\(worker.pid)", "restarts": "\(shared.restarts.load(ordering: .relaxed))"])
                        // A stop that came while it was being started found no worker to stop: stop
                        // this one the same way. (The flag is set before the stop looks at the slot,
                        // and the slot is filled before the flag is read here, so one of the two
                        // always sees the other.) One SIGTERM is not enough: the worker inherits
                        // SIGTERM ignored from this process, which traps it, and discards it until
                        // it has trapped it itself.
                        if stopping.isSet { Self.terminate(worker, timeout: stopTimeout, logger: logger) }
                        let ready = worker.waitForReadyOrExit() == .ready
                        if ready { shared.ready.open() }
                        let status = worker.waitAndReap()
                        shared.worker.withLock { $0 = nil }
                        return .success((worker.pid, ready, status))
                    }
                } onGracefulShutdown: {
                    stop(stopping: stopping)
                }
            } onCancel: {
                stop(stopping: stopping)
            }
            let (pid, wasReady, status) = try outcome.get()
            if stopping.isSet {
                guard status == 0 else {
                    throw SupervisorError("the ingest worker exited with status \(status) while stopping (see its log lines above)")
                }
                return
            }
            // The first worker that exits with an error before it is ready cannot be helped by a
            // restart (a spool held by another daemon, bad settings): `run` fails with its status.
            // Later, the socket holds writers' frames: keep trying (a config file being edited, a
            // full disk), backing off, rather than drop the queue.
            if !wasReady && status < 128 && !everReady {
                throw SupervisorError(
                    "the ingest worker exited with status \(status) while starting (see its log lines above)",
                    exitStatus: status > 0 ? status : nil)
            }
            everReady = everReady || wasReady
            // A worker that dies young again and again is a crash loop: the first three restart at
            // once, then 50 ms doubling to 5 s, until one lives a second.
            quickDeaths = wasReady && ContinuousClock.now - started > .seconds(1) ? 0 : quickDeaths + 1
            delay = quickDeaths <= 3 ? .zero : max(.milliseconds(50), min(delay * 2, .seconds(5)))
            logger.error(
                "the ingest worker died; starting a new one on the same socket (queued frames wait for it)",
                metadata: ["pid": "\(pid)", "status": "\(status)", "restarts": "\(restarts + 1)", "in": "\(delay)"])
            if delay > .zero {
                let wait = delay
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
            }
        }
    }

    /// Shuts the socket (when the parent owns it), then SIGTERM each second until the worker exits,
    /// SIGKILL after the stop timeout; always through the worker's pidfd.
    private func stop(stopping: StopFlag) {
        guard !stopping.isSet else { return }
        stopping.set()
        beforeStop()
        // No worker yet: the one being started is stopped as soon as it exists (see `run`).
        guard let worker = shared.worker.withLock({ $0 }) else { return }
        Self.terminate(worker, timeout: stopTimeout, logger: logger)
    }

    /// SIGTERM to `worker` each second until it exits (a worker still starting discards it until it
    /// has trapped it), SIGKILL after `timeout`.
    private static func terminate(_ worker: WorkerProcess, timeout: Duration, logger: Logger) {
        Task.detached {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if worker.hasExited { return }
                worker.signal(SIGTERM)
                try? await Task.sleep(for: .milliseconds(250))
                if worker.hasExited { return }
                try? await Task.sleep(for: .milliseconds(750))
            }
            guard !worker.hasExited else { return }
            logger.error("the ingest worker did not stop within \(timeout); killing it")
            worker.signal(SIGKILL)
        }
    }

    /// Runs `body` on a thread of its own (it blocks in poll/waitid), off the cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}

/// The running worker and the restart count, shared by every copy of the supervisor.
private final class WorkerSlot: Sendable {
    let worker = Mutex<WorkerProcess?>(nil)
    let restarts = Atomic<UInt64>(0)
    /// Variables changed since start (the worker's configuration after a reload).
    let environment = Mutex<[String: String]>([:])
    /// Opened once the first worker is ready (it opened the spool).
    let ready = Gate()
}

/// A one-way gate: ``wait()`` returns once ``open()`` was called.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// Runs `service` once the ingest worker is ready (the forwarder must not read the spool before
/// the worker opened it); a shutdown before that ends it without starting `service`.
struct AfterIngestReady<Wrapped: Service>: Service {
    let worker: IngestWorkerSupervisor
    let service: Wrapped

    func run() async throws {
        let gate = worker
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await gate.waitUntilReady()
            } onGracefulShutdown: {
                gate.openForShutdown()
            }
        } onCancel: {
            gate.openForShutdown()
        }
        if Task.isShuttingDownGracefully || Task.isCancelled { return }
        try await service.run()
    }
}
