import Synchronization

/// The most recent durations of an operation (the last 65,536), for percentiles in logs and metrics.
///
/// Bounded memory whatever the uptime; percentiles describe recent behaviour, which is what an
/// operator looking at a live daemon wants. Samples are 64-bit microseconds: a backlog of days
/// (the delivery latency counts from timestamp-in) is reported as it is, not clamped.
public final class LatencySamples: Sendable {
    private struct Ring {
        var microseconds = [UInt64](repeating: 0, count: 65_536)
        var next = 0
        var filled = 0
    }

    private let ring = Mutex(Ring())

    /// Makes an empty sample set.
    public init() {}

    /// Records one duration.
    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        // Negative durations count as 0; the product saturates instead of trapping (292,000 years).
        let (wholeMicros, overflow) = max(seconds, 0).multipliedReportingOverflow(by: 1_000_000)
        let micros = overflow ? UInt64.max : UInt64(wholeMicros) + UInt64(max(attoseconds, 0) / 1_000_000_000_000)
        ring.withLock { ring in
            ring.microseconds[ring.next] = micros
            ring.next = (ring.next + 1) % ring.microseconds.count
            ring.filled = min(ring.filled + 1, ring.microseconds.count)
        }
    }

    /// The `p`-th percentile (0…100) in microseconds of the recorded durations, or `nil` if none.
    public func percentile(_ p: Double) -> UInt64? {
        let samples = ring.withLock { Array($0.microseconds.prefix($0.filled)) }.sorted()
        guard !samples.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(samples.count - 1)).rounded())
        return samples[min(max(rank, 0), samples.count - 1)]
    }
}
