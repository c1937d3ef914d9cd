import DHCPKafkaRuntime
import DHCPKafkaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Percentiles over the bounded ring of recent durations.
@Suite struct LatencySamplesTests {
    @Test func emptyHasNoPercentile() {
        #expect(LatencySamples().percentile(99) == nil)
    }

    /// 1…100 ms recorded in shuffled order: percentiles are the nearest-rank values, in microseconds.
    @Test func percentilesOfKnownSamples() {
        let samples = LatencySamples()
        var generator = SplitMix64(seed: 7)
        for milliseconds in (1...100).shuffled(using: &generator) { samples.record(.milliseconds(milliseconds)) }
        #expect(samples.percentile(0) == 1_000)
        #expect(samples.percentile(100) == 100_000)
        #expect(samples.percentile(50) == 51_000)  // rank round(0.5 × 99) = 50, the 51st smallest
        #expect(samples.percentile(99) == 99_000)
        #expect(samples.percentile(-5) == 1_000, "out-of-range percentiles are clamped")
        #expect(samples.percentile(500) == 100_000)
    }

    /// Sub-microsecond parts are truncated, whole seconds count fully.
    @Test func convertsDurationsToMicroseconds() {
        let samples = LatencySamples()
        samples.record(.nanoseconds(2_999))
        #expect(samples.percentile(50) == 2)
        let seconds = LatencySamples()
        seconds.record(.seconds(3) + .microseconds(5))
        #expect(seconds.percentile(50) == 3_000_005)
    }

    /// Only the last 65,536 samples count: older ones are overwritten, so memory stays bounded.
    @Test func onlyRecentSamplesCount() {
        let samples = LatencySamples()
        for _ in 0..<10_000 { samples.record(.seconds(1)) }
        for _ in 0..<65_536 { samples.record(.milliseconds(1)) }
        #expect(samples.percentile(100) == 1_000)
    }
}

/// The watchdog service against a real notification socket, as systemd would run it.
@Suite(.ownThreads) struct WatchdogServiceTests {
    /// Receives notifications on a Unix datagram socket in a temporary directory.
    final class NotifyListener {
        let directory: TemporaryDirectory
        let path: String
        let fd: Int32

        init() throws {
            directory = try TemporaryDirectory(prefix: "dk-notify")
            path = directory.appending("notify.sock")
            fd = bindUnixDatagramSocket(at: path)
            var limit = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// The next notification, or nil after 100 ms without one.
        func next() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }

        /// Notifications until `condition` holds for one (true) or `seconds` passed (false).
        func await(within seconds: Double, _ condition: (String) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while ContinuousClock.now < deadline {
                if let message = next(), condition(message) { return true }
                await Task.yield()
            }
            return false
        }
    }

    /// READY=1 first; WATCHDOG=1 only while healthy; no WATCHDOG=1 for as long as it is not;
    /// cancellation ends the service.
    @Test func feedsTheWatchdogOnlyWhileHealthy() async throws {
        let listener = try NotifyListener()
        try #require(listener.fd >= 0)
        let healthy = Atomic<Bool>(true)
        let service = WatchdogService(
            notifier: SystemdNotifier(socketPath: listener.path, watchdogInterval: .milliseconds(100)),
            healthy: { healthy.load(ordering: .relaxed) }, status: { "testing" })
        let task = Task(executorPreference: TestThreadPool.shared) { try await service.run() }
        #expect(await listener.await(within: 30) { $0.contains("READY=1") && $0.contains("STATUS=testing") })
        #expect(await listener.await(within: 30) { $0.contains("WATCHDOG=1") })
        healthy.store(false, ordering: .relaxed)
        // Whatever was sent before the change, then only status lines: wait for one without a ping,
        // then count the next several.
        #expect(await listener.await(within: 30) { !$0.contains("WATCHDOG=1") })
        var unhealthyMessages: [String] = []
        _ = await listener.await(within: 30) { message in
            unhealthyMessages.append(message)
            return unhealthyMessages.count == 5
        }
        #expect(unhealthyMessages.count == 5, "status updates continue")
        #expect(unhealthyMessages.allSatisfy { !$0.contains("WATCHDOG=1") }, "\(unhealthyMessages)")
        healthy.store(true, ordering: .relaxed)
        #expect(await listener.await(within: 30) { $0.contains("WATCHDOG=1") }, "the watchdog is fed again")
        task.cancel()
        try await task.value
    }

    /// Without a watchdog interval (no WATCHDOG_USEC), status updates never carry WATCHDOG=1.
    @Test func noWatchdogWithoutInterval() async throws {
        let listener = try NotifyListener()
        let service = WatchdogService(
            notifier: SystemdNotifier(socketPath: listener.path, watchdogInterval: nil), healthy: { true }, status: { "s" })
        let task = Task(executorPreference: TestThreadPool.shared) { try await service.run() }
        #expect(await listener.await(within: 30) { $0.contains("READY=1") })
        task.cancel()
        try await task.value
        while let message = listener.next() { #expect(!message.contains("WATCHDOG=1")) }
    }

    /// The notifier reads systemd's variables; a watchdog meant for another pid is not ours.
    @Test func notifierFromEnvironment() {
        let ours = SystemdNotifier.from(
            environment: ["NOTIFY_SOCKET": "@abstract", "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "42"], pid: 42)
        #expect(ours?.socketPath == "@abstract")
        #expect(ours?.watchdogInterval == .seconds(2), "pings at half the watchdog period")
        let anyPid = SystemdNotifier.from(environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "1000000"], pid: 42)
        #expect(anyPid?.watchdogInterval == .milliseconds(500))
        let theirs = SystemdNotifier.from(
            environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"], pid: 42)
        #expect(theirs != nil && theirs?.watchdogInterval == nil)
        #expect(SystemdNotifier.from(environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "x"], pid: 42)?.watchdogInterval == nil)
        #expect(SystemdNotifier.from(environment: ["NOTIFY_SOCKET": ""], pid: 42) == nil)
        #expect(SystemdNotifier.from(environment: [:], pid: 42) == nil)
    }
}
