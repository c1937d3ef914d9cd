import DHCPKafkaTestSupport
import Foundation
import Testing

/// The daemon's metrics endpoint against clients that do not behave.
@Suite struct MetricsEndpointProcessTests {
    /// A client sending one byte a second and 200 idle connections held open: scrapes are still
    /// answered within Prometheus's 10 s timeout. The old endpoint (one connection at a time, 2 s per
    /// read) timed out `curl -m 5` three times in a row with one slow client and 20 idle ones.
    @Test func slowAndIdleClientsDoNotDelayScrapes() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start(["--metrics-listen", "127.0.0.1:0"])
        let port = try #require(LifecycleProcessTests.metricsPort(daemon), "\(daemon.log)")
        let slow = connectTCP(port: port)
        try #require(slow >= 0)
        defer { close(slow) }
        let request = Array("GET /metrics HTTP/1.1\r\n\r\n".utf8)
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        // Bounded in total: the old endpoint freed a queue slot every 2 s, so each connect waited
        // for SYN retransmits and 200 took minutes.
        let deadline = Date().addingTimeInterval(30)
        while idle.count < 200 && Date() < deadline {
            let fd = connectTCP(port: port, timeout: 5)
            guard fd >= 0 else { break }  // a full listen queue: the endpoint is not accepting
            idle.append(fd)
        }
        #expect(idle.count == 200, "the endpoint takes 200 connections")
        for (round, byte) in request.prefix(5).enumerated() {
            _ = [byte].withUnsafeBytes { send(slow, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            // 8 s: below Prometheus's default scrape timeout, with room for a loaded machine.
            #expect(scrapeStatus(port: port, timeout: 8) == 200, "scrape \(round)")
            Thread.sleep(forTimeInterval: 1)  // the slow client's pace, not a wait for a condition
        }
        daemon.signal(SIGTERM)
        #expect(daemon.wait(timeout: 30) == 0, "\(daemon.log)")
    }
}
