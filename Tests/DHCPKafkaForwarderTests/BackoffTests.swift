import DHCPKafkaTestSupport
import Testing

@testable import DHCPKafkaForwarder

/// A generator returning one value. `.max` pins Backoff's jitter at the top of its range (never
/// pass 0: `Double.random(in:using:)` rejects it and asks again, forever).
private struct ConstantGenerator: RandomNumberGenerator {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

/// Exponential backoff with full jitter between the minimum and a doubling ceiling.
struct BackoffTests {
    @Test func ceilingDoublesUpToTheMaximum() {
        var backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(2))
        var top = ConstantGenerator(value: .max)
        let delays = (0..<8).map { _ in backoff.fail(using: &top) }
        #expect(delays == [0.1, 0.2, 0.4, 0.8, 1.6, 2, 2, 2].map { Duration.milliseconds(Int64($0 * 1000)) })
        #expect(backoff.failures == 8 && backoff.isActive)
    }

    @Test func jitterStaysBetweenMinimumAndCeiling() {
        var backoff = Backoff(minimum: .seconds(1), maximum: .seconds(30))
        var rng = SplitMix64(seed: 7)
        var ceiling = Duration.seconds(1) / 2
        var seenBelowCeiling = false
        for _ in 0..<200 {  // the first failure's ceiling is the minimum: exactly 1 s
            ceiling = min(ceiling * 2, .seconds(30))
            let delay = backoff.fail(using: &rng)
            #expect(delay >= .seconds(1) && delay <= ceiling, "\(delay) outside 1 s…\(ceiling)")
            if delay < ceiling { seenBelowCeiling = true }
        }
        #expect(seenBelowCeiling, "the delay is random, not always the ceiling")
    }

    @Test func resetStartsOverAndManyFailuresDoNotOverflow() {
        var backoff = Backoff(minimum: .milliseconds(1), maximum: .seconds(30))
        var top = ConstantGenerator(value: .max)
        for _ in 0..<1_000 { #expect(backoff.fail(using: &top) <= .seconds(30)) }
        backoff.reset()
        #expect(!backoff.isActive && backoff.failures == 0)
        #expect(backoff.fail(using: &top) == .milliseconds(1))
    }

    @Test func equalMinimumAndMaximumGiveAConstantDelay() {
        var backoff = Backoff(minimum: .seconds(2), maximum: .seconds(2))
        var top = ConstantGenerator(value: .max)
        #expect((0..<5).map { _ in backoff.fail(using: &top) } == Array(repeating: .seconds(2), count: 5))
    }
}
