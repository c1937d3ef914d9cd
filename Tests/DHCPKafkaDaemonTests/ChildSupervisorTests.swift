@testable import DHCPKafkaDaemon
import DHCPKafkaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

private struct Boom: Error {}

/// How a group's `run()` ended; `nil` while it runs.
private final class Outcome: Sendable {
    let value = Mutex<Result<Void, any Error>?>(nil)
}

/// Throws once `ready` holds (checked every 10 ms), to end a group by failure.
private struct FailWhenReady: Service {
    let ready: @Sendable () -> Bool
    func run() async throws {
        while !ready() { try await Task.sleep(for: .milliseconds(10)) }
        throw Boom()
    }
}

/// The supervisor of the forwarder process, with real child processes (`/bin/sh` scripts, started
/// with an empty signal mask as under an init system): restarts with a growing backoff, SIGTERM on
/// graceful shutdown, SIGKILL after the stop timeout, stop when the group fails, restart with new
/// arguments. On threads of their own (`.ownThreads`): the group, the backoff timers and the
/// pidfd waits must not depend on the shared cooperative pool.
@Suite(.ownThreads) struct ChildSupervisorTests {
    /// A supervisor of `/bin/sh -c script sh args…`.
    private func supervisor(
        _ script: String, _ args: [String] = [], environment: [String: String] = [:], stopTimeout: Duration = .seconds(30),
        log: CapturedLog
    ) -> ChildSupervisor {
        ChildSupervisor(
            executable: URL(fileURLWithPath: "/usr/bin/python3"), arguments: Self.command(script, args),
            environment: environment, name: "test child", stopTimeout: stopTimeout, logger: log.logger())
    }

    private static func command(_ script: String, _ args: [String]) -> [String] {
        Array(withEmptySignalMask(["/bin/sh", "-c", script, "sh"] + args).dropFirst())
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private func pid(in path: String) -> Int32? { lines(path).first.flatMap { Int32($0) } }

    /// Whether a process `pid` exists (a zombie counts; the supervisor's `Process` reaps its child).
    private func exists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno != ESRCH }

    private func group(_ services: [any Service], log: CapturedLog) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: log.logger("group")))
    }

    /// Runs `group` on a task of the test pool; the outcome is set once `run()` returned.
    private func start(_ group: ServiceGroup) -> Outcome {
        let outcome = Outcome()
        Task.detached(executorPreference: TestThreadPool.shared) {
            do {
                try await group.run()
                outcome.value.withLock { $0 = .success(()) }
            } catch {
                outcome.value.withLock { $0 = .failure(error) }
            }
        }
        return outcome
    }

    /// A child that keeps exiting with status 3 is restarted after 1 s, then 2 s, then 4 s. A
    /// graceful shutdown during the backoff (triggered while the third restart is logged, before the
    /// wait begins) ends the group without starting the child once more.
    @Test func crashingChildIsRestartedWithGrowingBackoff() async throws {
        let directory = try TemporaryDirectory(prefix: "dk-supervisor")
        let runs = directory.appending("runs")
        let log = CapturedLog()
        let child = supervisor("echo run >> \"$1\"; exit 3", [runs], log: log)
        let group = group([child], log: log)
        log.onLine { line in
            guard line.message.contains("exited unexpectedly"), log.matching("exited unexpectedly").count == 3 else { return }
            // Block the supervisor's logging call until the shutdown is under way: deterministic, no race.
            let triggered = DispatchSemaphore(value: 0)
            Task.detached(executorPreference: TestThreadPool.shared) {
                await group.triggerGracefulShutdown()
                triggered.signal()
            }
            triggered.wait()
        }
        let outcome = start(group)
        #expect(await eventually(within: 180) { outcome.value.withLock { $0 != nil } }, "the group ends during the backoff: \(lines(runs))")
        #expect(throws: Never.self) { try outcome.value.withLock { $0 }?.get() }
        let restarts = log.matching("exited unexpectedly")
        #expect(restarts.map { "\($0.metadata["in"] ?? "")" } == ["1.0 seconds", "2.0 seconds", "4.0 seconds"])
        #expect(restarts.allSatisfy { "\($0.metadata["status"] ?? "")" == "3" && $0.level == .error })
        #expect(lines(runs).count == 3, "no start after the shutdown began")
        #expect(log.matching("started test child").count == 3)
    }

    /// Graceful shutdown sends SIGTERM (the child's trap runs), the group ends, the child is gone,
    /// and its exit is not taken for a crash. The child learns which pid started it.
    @Test func gracefulShutdownSendsSIGTERM() async throws {
        let directory = try TemporaryDirectory(prefix: "dk-supervisor")
        let pidFile = directory.appending("pid")
        let term = directory.appending("term")
        let log = CapturedLog()
        let child = supervisor(
            "trap 'echo term > \"$2\"; exit 0' TERM; echo $$ $DHCPKAFKA_PARENT_PID > \"$1\"; while :; do sleep 0.1; done",
            [pidFile, term], log: log)
        let group = group([child], log: log)
        let outcome = start(group)
        #expect(await eventually(within: 60) { lines(pidFile).count == 1 })
        let fields = (lines(pidFile).first ?? "").split(separator: " ")
        let pid = try #require(fields.first.flatMap { Int32($0) })
        #expect(fields.last.flatMap { Int32($0) } == getpid(), "DHCPKAFKA_PARENT_PID names this process")
        await group.triggerGracefulShutdown()
        #expect(await eventually(within: 60) { outcome.value.withLock { $0 != nil } })
        #expect(throws: Never.self) { try outcome.value.withLock { $0 }?.get() }
        #expect(lines(term) == ["term"], "stopped with SIGTERM, not SIGKILL")
        #expect(await eventually(within: 60) { !exists(pid) })
        #expect(log.matching("exited unexpectedly").isEmpty)
    }

    /// A child that ignores SIGTERM is SIGKILLed after the stop timeout; the group still ends.
    @Test func childIgnoringSIGTERMIsKilledAfterTheTimeout() async throws {
        let directory = try TemporaryDirectory(prefix: "dk-supervisor")
        let pidFile = directory.appending("pid")
        let log = CapturedLog()
        let child = supervisor(
            "trap '' TERM; echo $$ > \"$1\"; while :; do sleep 0.1; done", [pidFile], stopTimeout: .seconds(1), log: log)
        let group = group([child], log: log)
        let outcome = start(group)
        #expect(await eventually(within: 60) { pid(in: pidFile) != nil })
        let childPID = try #require(pid(in: pidFile))
        await group.triggerGracefulShutdown()
        #expect(await eventually(within: 120) { outcome.value.withLock { $0 != nil } }, "the group ends although the child ignores SIGTERM")
        #expect(await eventually(within: 60) { !exists(childPID) })
    }

    /// Another service of the group fails: the group cancels the supervisor (no graceful handler
    /// runs then), which stops the child and ends instead of restarting it.
    @Test func failingGroupStopsTheChild() async throws {
        let directory = try TemporaryDirectory(prefix: "dk-supervisor")
        let pidFile = directory.appending("pid")
        let log = CapturedLog()
        let child = supervisor(
            "trap 'exit 0' TERM; echo $$ >> \"$1\"; while :; do sleep 0.1; done", [pidFile], log: log)
        let ready: @Sendable () -> Bool = { [self] in pid(in: pidFile) != nil }
        let group = group([child, FailWhenReady(ready: ready)], log: log)
        let outcome = start(group)
        #expect(await eventually(within: 120) { outcome.value.withLock { $0 != nil } }, "the group ends when a service throws")
        #expect(throws: Boom.self) { try outcome.value.withLock { $0 }?.get() }
        let started = try #require(pid(in: pidFile))
        #expect(await eventually(within: 60) { !exists(started) }, "the child was stopped")
        #expect(lines(pidFile).count == 1, "and not started again")
        #expect(log.matching("exited unexpectedly").isEmpty)
    }

    /// `restart(arguments:environment:)` (SIGHUP) stops the child and starts it with the new values
    /// at once, without counting it as a crash.
    @Test func restartUsesTheNewArgumentsAndEnvironment() async throws {
        let directory = try TemporaryDirectory(prefix: "dk-supervisor")
        let out = directory.appending("out")
        let log = CapturedLog()
        let script = "trap 'exit 0' TERM; echo \"$2 $SETTING\" >> \"$1\"; while :; do sleep 0.1; done"
        let child = supervisor(script, [out, "first"], environment: ["SETTING": "a"], log: log)
        let group = group([child], log: log)
        let outcome = start(group)
        #expect(await eventually(within: 60) { lines(out) == ["first a"] })
        child.restart(arguments: Self.command(script, [out, "second"]), environment: ["SETTING": "b"])
        #expect(await eventually(within: 60) { lines(out) == ["first a", "second b"] }, "\(lines(out))")
        #expect(child.environment == ["SETTING": "b"])
        #expect(log.matching("stopped for a restart").count == 1)
        #expect(log.matching("exited unexpectedly").isEmpty)
        await group.triggerGracefulShutdown()
        #expect(await eventually(within: 60) { outcome.value.withLock { $0 != nil } })
        #expect(lines(out).count == 2)
    }
}

/// The pidfd-owning handle the supervisor signals its child through.
@Suite struct ChildHandleTests {
    @Test func signalsAndWaitsThroughThePidfd() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["600"]
        try SpawnGate.run { try process.run() }
        let handle = ChildHandle(process)
        #expect(handle.pid == process.processIdentifier)
        #expect(handle.waitForExit(timeoutMs: 50) == false, "still running")
        handle.signal(SIGKILL)
        #expect(handle.waitForExit(timeoutMs: 60_000), "exited on the signal")
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        handle.signal(SIGKILL)  // reaped: the pidfd still names the dead child only, nothing else is hit
        #expect(handle.waitForExit(timeoutMs: 0))
    }
}
