import DHCPKafkaRuntime
import DHCPKafkaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A worker whose one thread loops until asked to stop, as the ingest pipeline and the metrics
/// endpoint do.
private final class LoopingWorker: BlockingWorker {
    let threads = ThreadGroup()
    let started = Atomic<Bool>(false)
    let stopped = Atomic<Bool>(false)

    func start() {
        threads.spawn("test-worker") { [self] in
            started.store(true, ordering: .relaxed)
            while !threads.isStopping { usleep(5_000) }
            stopped.store(true, ordering: .relaxed)
        }
    }

    func requestStop() { threads.requestStop() }
    func waitUntilFinished() async throws { try await threads.waitUntilFinished() }
}

private struct Boom: Error, Equatable {}

/// A service that fails shortly after it starts.
private struct FailingService: Service {
    func run() async throws {
        try await Task.sleep(for: .milliseconds(200))
        throw Boom()
    }
}

/// Runs `group` on its own task and waits up to `seconds` for it to end; `nil` when it did not
/// (the group hangs), else how it ended.
private func run(_ group: ServiceGroup, within seconds: Double) async -> Result<Void, any Error>? {
    let outcome = Mutex<Result<Void, any Error>?>(nil)
    Task.detached(executorPreference: TestThreadPool.shared) {
        do {
            try await group.run()
            outcome.withLock { $0 = .success(()) }
        } catch {
            outcome.withLock { $0 = .failure(error) }
        }
    }
    _ = await eventually(within: seconds) { outcome.withLock { $0 != nil } }
    return outcome.withLock { $0 }
}

/// The lifecycle glue every daemon service goes through: a failing service must end the group,
/// whatever the other services are doing, and a graceful stop must stop the workers.
@Suite(.ownThreads) struct LifecycleTests {
    private let logger = Logger(label: "test")

    /// One service throws: the group cancels the others, and `run()` returns that error. Before
    /// WorkerService honoured cancellation, the group waited for ever for the worker that was
    /// never asked to stop (swift-service-lifecycle runs no graceful handler on cancellation).
    @Test func aThrowingServiceEndsTheGroup() async throws {
        let worker = LoopingWorker()
        let other = LoopingWorker()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: WorkerService(worker)), .init(service: WorkerService(other)),
                           .init(service: FailingService())],
                logger: logger))
        let outcome = await run(group, within: 60)
        defer { worker.requestStop(); other.requestStop() }  // let a hung group go, so the process can end
        let ended = try #require(outcome, "ServiceGroup.run() returns after a service threw")
        #expect(throws: Boom.self) { try ended.get() }
        #expect(await eventually(within: 10) { worker.stopped.load(ordering: .relaxed) && other.stopped.load(ordering: .relaxed) },
                "the workers' threads were asked to stop and ended")
    }

    /// A worker whose thread fails makes its service throw, which ends the whole group.
    @Test func aFailingWorkerEndsTheGroup() async throws {
        let failing = LoopingWorker()
        let other = LoopingWorker()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: WorkerService(other)), .init(service: WorkerService(failing))], logger: logger))
        failing.threads.spawn("failing") { throw Boom() }
        let outcome = await run(group, within: 60)
        defer { other.requestStop(); failing.requestStop() }
        let ended = try #require(outcome, "ServiceGroup.run() returns after a worker failed")
        #expect(throws: Boom.self) { try ended.get() }
        #expect(await eventually(within: 10) { other.stopped.load(ordering: .relaxed) })
    }

    /// Graceful shutdown (what SIGTERM triggers) stops every worker and ends the group without error.
    @Test func gracefulShutdownStopsTheWorkers() async throws {
        let worker = LoopingWorker()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [.init(service: WorkerService(worker))], logger: logger))
        async let running: Void = group.run()
        #expect(await eventually(within: 30) { worker.started.load(ordering: .relaxed) })
        await group.triggerGracefulShutdown()
        try await running
        #expect(worker.stopped.load(ordering: .relaxed) == true)
    }

    /// A failed thread stops its siblings, and waiting rethrows the first error.
    @Test func threadGroupFailureStopsTheOthers() async throws {
        let threads = ThreadGroup()
        let siblingEnded = Atomic<Bool>(false)
        threads.spawn("sibling") {
            while !threads.isStopping { usleep(5_000) }
            siblingEnded.store(true, ordering: .relaxed)
        }
        threads.spawn("failing") { throw Boom() }
        await #expect(throws: Boom.self) { try await threads.waitUntilFinished() }
        #expect(siblingEnded.load(ordering: .relaxed) == true)
        #expect(threads.isStopping)
    }

    /// Waiting on a group with no threads returns at once, without error.
    @Test func emptyThreadGroupFinishes() async throws {
        try await ThreadGroup().waitUntilFinished()
    }
}
