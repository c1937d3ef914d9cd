/// Exponential backoff with full jitter: after the n-th consecutive failure, wait a random time
/// between 0 and min(max, min · 2ⁿ) — and at least `min`, so a broken broker is never hammered.
struct Backoff {
    let minimum: Duration
    let maximum: Duration
    private(set) var failures = 0

    init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Whether the last attempt failed (we are backing off).
    var isActive: Bool { failures > 0 }

    /// Records a failure and returns how long to wait before the next attempt.
    mutating func fail<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        failures += 1
        var ceiling = minimum
        for _ in 1..<min(failures, 40) where ceiling < maximum { ceiling *= 2 }
        ceiling = min(ceiling, maximum)
        let spread = ceiling - minimum
        let fraction = Double.random(in: 0...1, using: &generator)
        return minimum + spread * fraction
    }

    /// Records a success.
    mutating func reset() { failures = 0 }
}
