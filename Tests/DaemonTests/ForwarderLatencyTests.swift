import DHCPKafkaRuntime
import Testing

@Suite struct ForwarderLatencyTests {
    /// The delivery latency counts from timestamp-in, so a spool that held frames for hours (a long
    /// broker outage) reports hours: nothing clamps at 2³² µs (71.6 minutes).
    @Test func latencyBeyondSeventyOneMinutesIsReportedAsIs() {
        let samples = LatencySamples()
        samples.record(.seconds(3 * 3600))
        samples.record(.seconds(30 * 24 * 3600))
        #expect(samples.percentile(0) == 10_800_000_000)
        #expect(samples.percentile(100) == 2_592_000_000_000)
    }

    /// Sub-microsecond parts truncate, negative durations (a clock step) count as zero.
    @Test func smallAndNegativeDurations() {
        let samples = LatencySamples()
        samples.record(.nanoseconds(1_999))
        samples.record(.seconds(-5))
        #expect(samples.percentile(0) == 0)
        #expect(samples.percentile(100) == 1)
    }
}
