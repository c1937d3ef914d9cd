import DHCPKafkaTestSupport
import Synchronization
import Testing

/// The `.heavy` gate (DHCPKafkaTestSupport/HeavyTest.swift) that keeps the heavy suites apart.
@Suite struct HeavyTestGateTests {
    /// Eight concurrent heavy bodies: never two at once, and all of them run.
    @Test func heavyBodiesNeverOverlap() async throws {
        final class Tally: Sendable {
            let state = Mutex((running: 0, peak: 0, finished: 0))
        }
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await HeavyTest.run {
                        tally.state.withLock {
                            $0.running += 1
                            $0.peak = max($0.peak, $0.running)
                        }
                        // Time for another body to start if the gate let it (no assertion on time).
                        try await Task.sleep(for: .milliseconds(20))
                        tally.state.withLock {
                            $0.running -= 1
                            $0.finished += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let (_, peak, finished) = tally.state.withLock { $0 }
        #expect(peak == 1)
        #expect(finished == 8)
    }

    /// A heavy body inside a heavy body (a `.heavy` test in a `.heavy` suite) runs at once instead
    /// of waiting for itself; an error leaves the gate open for the next test.
    @Test func nestingAndErrorsDoNotBlockTheGate() async throws {
        struct Expected: Error {}
        let inner = try await HeavyTest.run { try await HeavyTest.run { 42 } }
        #expect(inner == 42)
        await #expect(throws: Expected.self) { try await HeavyTest.run { throw Expected() } }
        #expect(try await HeavyTest.run { "open" } == "open")
    }
}
