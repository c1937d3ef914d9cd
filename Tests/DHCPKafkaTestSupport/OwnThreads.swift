import Foundation
import Testing

/// Runs a test's tasks on threads of their own instead of Swift's shared cooperative pool.
///
/// The pool has one thread per core (two here), and most process-level tests wait synchronously
/// (for a daemon's log line, a child's exit) on those threads for minutes. While two such tests
/// run, an in-process test whose `ServiceGroup`, timers and polling loops need the pool makes no
/// progress at all; it then misses its deadlines although nothing is wrong (seen: a 30 s wait that
/// took 189 s). A test or suite marked `.ownThreads` runs on ``TestThreadPool/shared``; child tasks
/// and default actors follow the task executor preference (SE-0417), so the services under test do
/// too. Timing-sensitive in-process tests (lifecycle, watchdog, metrics endpoint) use it.
public struct OwnThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applies to every test of a suite marked `.ownThreads`.
    public var isRecursive: Bool { true }

    /// Runs the test with ``TestThreadPool/shared`` as its task executor.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(TestThreadPool.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// This test, or every test of this suite, runs on threads of its own (see ``OwnThreadsTrait``).
    public static var ownThreads: Self { OwnThreadsTrait() }
}

/// A task executor backed by a fixed set of dedicated threads, for ``OwnThreadsTrait``.
///
/// Several threads, so a test body that blocks one of them briefly (a synchronous wait) does not
/// stop the tasks it waits for.
public final class TestThreadPool: TaskExecutor, @unchecked Sendable {
    /// The process-wide pool (eight threads).
    public static let shared = TestThreadPool(threads: 8)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts `threads` threads that run enqueued jobs for the life of the process.
    public init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in runJobs() }
            thread.name = "test-pool-\(index)"
            thread.start()
        }
    }

    /// Queues `job` for the next free thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
