@testable import DHCPKafkaSink
import Testing

/// Outages are logged, not narrated: librdkafka's repeated lines are rate-limited per kind, and a
/// failure repeating with varying timings is one broker state.
@Suite struct LogLimitTests {
    /// The first line of a kind passes, repeats within the interval are dropped and counted, and
    /// the next one after the interval says how many were suppressed. Timings in the text do not
    /// make a new kind; a different failure does.
    @Test func oneLinePerKindPerInterval() {
        let limiter = KafkaLogLimiter(interval: .seconds(60))
        let start = ContinuousClock.now
        func line(_ ms: Int, at seconds: Int) -> KafkaLogLimiter.Decision {
            limiter.decide(
                facility: "FAIL",
                message: "127.0.0.1:39211/bootstrap: Connect to ipv4#127.0.0.1:39211 failed: Connection refused (after \(ms)ms in state CONNECT)",
                now: start + .seconds(seconds))
        }
        #expect(line(0, at: 0) == .log(suppressed: 0))
        for second in 1...59 { #expect(line(second * 7, at: second) == .drop) }
        #expect(limiter.decide(facility: "FAIL", message: "broker: SSL handshake failed", now: start + .seconds(30))
                == .log(suppressed: 0))
        #expect(line(3, at: 60) == .log(suppressed: 59))
        #expect(line(4, at: 61) == .drop)
        #expect(limiter.dropped == 60)
    }

    /// librdkafka's timing tail is removed from a reason; what follows it is kept.
    @Test func stableReasons() {
        #expect(KafkaLogLimiter.stableReason("SASL authentication error: Authentication failed (after 12ms in state AUTH_REQ)")
                == "SASL authentication error: Authentication failed")
        #expect(KafkaLogLimiter.stableReason("a (after 5ms in state UP); last error: b") == "a; last error: b")
        #expect(KafkaLogLimiter.stableReason("no tail") == "no tail")
    }

    /// A refused SASL login, repeated 13 times a second with a different "(after Nms …)" each
    /// time and followed by `_ALL_BROKERS_DOWN`, is one state change: "authentication failed",
    /// not "unreachable".
    @Test func repeatedAuthenticationFailureIsOneState() {
        let recorder = HookRecorder()
        let context = ProducerCallbackContext(
            log: nil, brokerStateChanged: { recorder.stateChanged($0) }, secrets: [], sourceAddress: nil)
        for attempt in 0..<50 {
            context.handleError(
                code: .authentication,
                reason: "sasl_plaintext://127.0.0.1:9093/1: SASL authentication error: Authentication failed: Invalid username or password (after \(attempt * 3 + 1)ms in state AUTH_REQ)")
            context.handleError(code: .allBrokersDown, reason: "1/1 brokers are down")
        }
        let states = recorder.stateHistory
        #expect(states.count == 1, "\(states)")
        guard case .authenticationFailed(let reason)? = states.first else {
            Issue.record("a refused login is not reported as authentication failed: \(states)")
            return
        }
        #expect(!reason.contains("after"), "\(reason)")
        #expect(states.first?.description.hasPrefix("authentication failed: ") == true)
    }

    /// Connection failures with varying timings, each followed by `_ALL_BROKERS_DOWN`, are one
    /// "down" state.
    @Test func repeatedConnectionFailureIsOneState() {
        let recorder = HookRecorder()
        let context = ProducerCallbackContext(
            log: nil, brokerStateChanged: { recorder.stateChanged($0) }, secrets: [], sourceAddress: nil)
        for attempt in 0..<20 {
            context.handleError(
                code: .transport,
                reason: "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after \(attempt)ms in state CONNECT)")
            context.handleError(code: .allBrokersDown, reason: "1/1 brokers are down")
        }
        #expect(recorder.stateHistory.count == 1, "\(recorder.stateHistory)")
    }
}
