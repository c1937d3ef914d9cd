import Testing

/// Keeps the heavy tests from overlapping one another.
///
/// Swift Testing runs suites in parallel (`.serialized` only orders the tests inside one suite), so
/// on a 2-core machine the crash, torture, churn, 16-writer, Kea, DHCPKit and tansu tests would all
/// run at once: each starts several processes (daemons, brokers, DHCP servers in network
/// namespaces) that are timed against generous but finite deadlines, and together they starve
/// each other into spurious timeouts. A test or suite marked `.heavy` waits (suspended, not
/// blocking a thread) until no other heavy test runs; light tests still run alongside.
///
/// ```swift
/// @Suite(.serialized, .heavy) struct KeaHookTests { ... }   // every test in the suite
/// @Test(.heavy) func survivesSIGKILL() throws { ... }        // one test
/// try await HeavyTest.run { ... }                            // one part of a test
/// ```
/// Nested use (a `.heavy` test in a `.heavy` suite, `HeavyTest.run` inside either) does not wait
/// for itself. The list of heavy suites and why is in Tests/README.md.
public struct HeavyTestTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applies to every test of a suite marked `.heavy`, each acquiring the gate for itself.
    public var isRecursive: Bool { true }

    /// Runs the test while holding the process-wide heavy-test gate.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await HeavyTest.run { try await function() }
    }
}

extension Trait where Self == HeavyTestTrait {
    /// This test, or every test of this suite, never overlaps another heavy test (see ``HeavyTestTrait``).
    public static var heavy: Self { HeavyTestTrait() }
}

/// The process-wide gate behind ``HeavyTestTrait``: one heavy test at a time, first come first served.
public enum HeavyTest {
    @TaskLocal static var holding = false
    private static let gate = Gate()

    /// Runs `body` once no other heavy test runs; others wait until it returns or throws.
    public static func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if holding { return try await body() }
        await gate.acquire()
        do {
            let result = try await $holding.withValue(true) { try await body() }
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    /// An async mutex: waiters are suspended continuations, resumed in arrival order.
    private actor Gate {
        private var busy = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func release() {
            if waiters.isEmpty {
                busy = false
            } else {
                waiters.removeFirst().resume()
            }
        }
    }
}
